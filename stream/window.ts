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
