import { describe, expect, it } from 'vitest';
import { HOUR_MS, SYNTHETIC_START_MS, syntheticHourly } from '../../test/synthetic-hourly.ts';
import { backtestHourly } from './backtest.ts';
import { calibrate, conformalQuantile, widen } from './conformal.ts';

const WEEK = 168;

describe('conformalQuantile', () => {
  it('takes the ⌈(n+1)·level⌉-th smallest score, the largest past n, NaN without scores', () => {
    const scores = [5, 1, 4, 2, 3, 9, 8, 7, 6, 10];
    expect(conformalQuantile(scores, 0.8)).toBe(9); // ⌈11 × 0.8⌉ = 9
    expect(conformalQuantile(scores, 0.95)).toBe(10); // ⌈10.45⌉ = 11 > 10: the largest
    expect(conformalQuantile(scores, 0.5)).toBe(6);
    expect(conformalQuantile([], 0.8)).toBeNaN();
  });
});

describe('widen', () => {
  it('scales the half-widths about the point, keeps lo95 ≤ lo80 ≤ point ≤ hi80 ≤ hi95 and the bounds at 0 or above', () => {
    const forecast = { point: [10, 1], lo80: [8, 0], hi80: [12, 2], lo95: [6, 0], hi95: [14, 3] };
    // A 95 % factor small enough to put hi95 inside hi80: kept at hi80.
    const out = widen(forecast, { origins: 1, scores: 2, factor80: 2, factor95: 1 });
    expect(out).toEqual({ point: [10, 1], lo80: [6, 0], hi80: [14, 3], lo95: [6, 0], hi95: [14, 3] });
  });
});

describe('calibrate', () => {
  it('scores the earlier origins a day apart on their whole horizon, and gives none without an origin two days into the history', () => {
    const values = Array.from({ length: 10 * 24 }, (_, t) => t % 24);
    const seen: number[] = [];
    // A forecast of a point 1 below the actuals with half-width 1 everywhere: every score is 1.
    const fit = (history: { startMs: number; values: number[] }) => {
      seen.push(history.values.length);
      const point = Array.from({ length: 24 }, (_, h) => ((history.values.length + h) % 24) - 1);
      return { calibratable: true, forecast: { point, lo80: point.map((p) => p - 1), hi80: point.map((p) => p + 1), lo95: point.map((p) => p - 1), hi95: point.map((p) => p + 1) } };
    };
    const calibration = calibrate({ startMs: 0, values }, 24, { origins: 7, stepHours: 24 }, fit);
    // Origins 9, 8, … 3 days into the ten: all seven have two days before them.
    expect(seen).toEqual([216, 192, 168, 144, 120, 96, 72]);
    expect(calibration).toEqual({ origins: 7, scores: 7 * 24, factor80: 1, factor95: 1 });
    expect(calibrate({ startMs: 0, values: values.slice(0, 60) }, 24, { origins: 7, stepHours: 24 }, fit)).toBeNull();
  });

  it('brings the intervals of MSTL near their nominal coverage on held-out synthetic data (augurs\' own: about 0.6 and 0.82)', () => {
    const series = syntheticHourly(6 * WEEK, 21);
    const options = { fromMs: SYNTHETIC_START_MS + 4 * WEEK * HOUR_MS, stepHours: 13 };
    const raw = backtestHourly(series, { ...options, calibration: { origins: 0, stepHours: 24 } });
    const calibrated = backtestHourly(series, options);
    expect(calibrated.model.mase).toBeCloseTo(raw.model.mase, 12);
    expect(raw.coverage95).toBeLessThan(0.9);
    expect(calibrated.coverage95).toBeGreaterThan(raw.coverage95);
    expect(calibrated.coverage80).toBeGreaterThan(raw.coverage80);
    expect(calibrated.coverage95).toBeGreaterThanOrEqual(0.9);
    expect(calibrated.coverage80).toBeGreaterThanOrEqual(0.72);
    expect(calibrated.coverage80).toBeLessThanOrEqual(0.9);
  });
});
