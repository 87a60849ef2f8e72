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
