import { describe, expect, it } from 'vitest';
import { eventTimeView } from './event-time.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('eventTimeView', () => {
  it('replaying 2019: how far the final results got and the lag behind the newest event, no wall-clock delay', () => {
    const newest = Date.parse('2019-10-03T23:59:59Z');
    expect(eventTimeView(newest - 45_000, newest, NOW)).toEqual({ reached: newest - 45_000, newest, lagMs: 45_000, wallClockDelayMs: null });
    // Every window final (end of input): reached is past the newest event, no lag.
    expect(eventTimeView(newest + 1000, newest, NOW).lagMs).toBe(0);
  });

  it('live data (the newest event within a day of now): the wall-clock delay too', () => {
    const newest = NOW - 2_000;
    expect(eventTimeView(newest - 45_000, newest, NOW)).toEqual({ reached: newest - 45_000, newest, lagMs: 45_000, wallClockDelayMs: 47_000 });
    expect(eventTimeView(NOW - 86_400_000 - 1, NOW - 86_400_001, NOW).wallClockDelayMs).toBeNull();
  });

  it('no final window yet, or an empty archive', () => {
    expect(eventTimeView(null, NOW, NOW)).toEqual({ reached: null, newest: NOW, lagMs: null, wallClockDelayMs: null });
    expect(eventTimeView(null, null, NOW)).toEqual({ reached: null, newest: null, lagMs: null, wallClockDelayMs: null });
  });
});
