import { describe, expect, it } from 'vitest';
import { denseHourly, hourStartOf } from './hourly-series.ts';

const H = 3_600_000;

describe('denseHourly', () => {
  it('fills missing hours with 0, sums two points of one hour and leaves out points from the end on', () => {
    const points = [
      { hourStartMs: 10 * H, value: 5 },
      { hourStartMs: 13 * H + 120_000, value: 2 },
      { hourStartMs: 13 * H, value: 1 },
      { hourStartMs: 15 * H, value: 9 },
    ];
    expect(denseHourly(points, 15 * H + 1)).toEqual({ startMs: 10 * H, values: [5, 0, 0, 3, 0] });
  });

  it('is empty, starting at the end hour, without points before the end', () => {
    expect(denseHourly([{ hourStartMs: 20 * H, value: 1 }], 12 * H)).toEqual({ startMs: 12 * H, values: [] });
  });

  it('puts a time inside an hour in that hour', () => {
    expect(hourStartOf(5 * H + 3_599_999)).toBe(5 * H);
  });
});
