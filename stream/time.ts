// Event time is epoch milliseconds. Processing time comes from an injected Clock so tests
// control it (as Flink's WatermarksWithIdleness takes its clock as an argument).
export type EventTime = number;
/** Event-time progress: no event older than this is expected any more. */
export type Watermark = number;

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Before the first event the watermark is -Infinity; at end of input it is +Infinity. */
export const NO_WATERMARK: Watermark = Number.NEGATIVE_INFINITY;
export const END_OF_INPUT: Watermark = Number.POSITIVE_INFINITY;
