import { describe, expect, it } from 'vitest';
import { END_OF_INPUT, ManualClock, NO_WATERMARK, systemClock } from './time.ts';

describe('ManualClock', () => {
  it('starts at the given time and only moves when advanced', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.advance(0);
    expect(clock.now()).toBe(1_250);
  });

  it('defaults to 0', () => {
    expect(new ManualClock().now()).toBe(0);
  });
});

describe('watermark sentinels', () => {
  it('NO_WATERMARK is below and END_OF_INPUT above every event time', () => {
    expect(NO_WATERMARK).toBe(Number.NEGATIVE_INFINITY);
    expect(END_OF_INPUT).toBe(Number.POSITIVE_INFINITY);
    expect(NO_WATERMARK < -8.64e15).toBe(true);
    expect(END_OF_INPUT > 8.64e15).toBe(true);
  });

  it('systemClock reads a plausible wall clock', () => {
    expect(systemClock.now()).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });
});
