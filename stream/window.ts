// Which windows does an event belong to? Half-open [start, end) event-time windows.
import type { EventTime } from './time.ts';

export interface Window {
  start: number;
  end: number;
}

export interface WindowAssigner {
  readonly sizeMs: number;
  assign(time: EventTime): Window[];
}

/** Tumbling windows: each event in exactly one window, aligned to the epoch. */
export function tumbling(sizeMs: number): WindowAssigner {
  if (!Number.isInteger(sizeMs) || sizeMs <= 0) throw new RangeError(`window size must be a positive integer ms, got ${sizeMs}`);
  return {
    sizeMs,
    assign(time) {
      const start = time - (((time % sizeMs) + sizeMs) % sizeMs);
      return [{ start, end: start + sizeMs }];
    },
  };
}

/** Hopping (sliding) windows of `sizeMs` every `slideMs`: each event in size/slide windows. */
export function hopping(sizeMs: number, slideMs: number): WindowAssigner {
  if (!Number.isInteger(slideMs) || slideMs <= 0 || slideMs > sizeMs || sizeMs % slideMs !== 0) {
    throw new RangeError(`slide must be a positive divisor of the window size, got size ${sizeMs} slide ${slideMs}`);
  }
  return {
    sizeMs,
    assign(time) {
      const lastStart = time - (((time % slideMs) + slideMs) % slideMs);
      const windows: Window[] = [];
      for (let start = lastStart; start > time - sizeMs; start -= slideMs) windows.push({ start, end: start + sizeMs });
      return windows.reverse();
    },
  };
}

/** A window is final once the watermark has passed its end plus the allowed lateness. */
export function isWindowFinal(window: Window, watermark: number, allowedLatenessMs: number): boolean {
  return watermark >= window.end + allowedLatenessMs;
}

/**
 * Session windows, a merging assigner as Flink's EventTimeSessionWindows.withGap: each event's
 * window is [time, time + gap), and the windows of one key that overlap merge into one session.
 * So an event exactly `gap` after a session's last event starts a new session, and a session
 * ends (its window's end) `gap` after its last event.
 */
export interface MergingWindowAssigner {
  readonly gapMs: number;
  assign(time: EventTime): Window;
}

export function sessionWindows(gapMs: number): MergingWindowAssigner {
  if (!Number.isInteger(gapMs) || gapMs <= 0) throw new RangeError(`session gap must be a positive integer ms, got ${gapMs}`);
  return { gapMs, assign: (time) => ({ start: time, end: time + gapMs }) };
}

/** Whether two half-open windows overlap: two sessions that do are one. */
export function overlaps(a: Window, b: Window): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The smallest window covering both. */
export function cover(a: Window, b: Window): Window {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
