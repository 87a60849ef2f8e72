// Fire now? A trigger holds no state: the operator asks it on watermark progress and on the
// processing-time tick, and acts on the answer (fire: emit the window; purge: free its state).
import { isWindowFinal, type Window } from './window.ts';

export interface TriggerResult {
  fire: boolean;
  purge: boolean;
}

export const CONTINUE: TriggerResult = { fire: false, purge: false };
const FIRE: TriggerResult = { fire: true, purge: false };
const FIRE_AND_PURGE: TriggerResult = { fire: true, purge: true };

export interface Trigger {
  onWatermark(window: Window, watermark: number): TriggerResult;
  /** The processing-time tick (every early-firing interval); `dirty`: changed since last fired. */
  onProcessingTime(window: Window, dirty: boolean): TriggerResult;
}

/**
 * Early firing of dirty windows on every processing-time tick (a purchase shows within a
 * second), final firing once the watermark passes window end + allowed lateness.
 */
export function earlyAndOnWatermark(allowedLatenessMs: number): Trigger {
  return {
    onWatermark: (window, watermark) => (isWindowFinal(window, watermark, allowedLatenessMs) ? FIRE_AND_PURGE : CONTINUE),
    onProcessingTime: (_window, dirty) => (dirty ? FIRE : CONTINUE),
  };
}

/** What the processing-time tick is decided on (times in ms of the job's clock). */
export interface TickTiming {
  now: number;
  lastTickAt: number;
  /** When the latest batch with events was processed. */
  lastInputAt: number;
  /** Events arrived since the last tick. */
  inputSinceTick: boolean;
  earlyFiringIntervalMs: number;
  pollMs: number;
}

/**
 * Whether the processing-time tick (early firing) is due. While input flows, once per early-firing
 * interval. Once the input pauses for a poll (the job has processed all that arrived), its changes
 * go out then, as long as a quarter interval has passed since the last tick: a slice that lands
 * just after a tick need not wait most of a second for the next one.
 */
export function tickDue(t: TickTiming): boolean {
  const sinceTick = t.now - t.lastTickAt;
  if (sinceTick >= t.earlyFiringIntervalMs) return true;
  return t.inputSinceTick && t.now - t.lastInputAt >= t.pollMs && sinceTick >= t.earlyFiringIntervalMs / 4;
}
