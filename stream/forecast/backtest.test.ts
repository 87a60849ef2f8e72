import { describe, expect, it } from 'vitest';
import { HOUR_MS, SYNTHETIC_START_MS, syntheticHourly } from '../../test/synthetic-hourly.ts';
import { backtestHourly } from './backtest.ts';

const DAY = 24;
const WEEK = 168;
const hourMs = (t: number) => SYNTHETIC_START_MS + t * HOUR_MS;

describe('backtestHourly', () => {
  it('scores the forecaster on a seasonal series: MASE under 1 and under the seasonal-naive baseline, intervals covering', () => {
    // Six weeks; an origin every 8 hours from the fifth week on (40 origins), each fitted on all before it.
    const series = syntheticHourly(6 * WEEK, 21);
    // augurs' intervals as they are (conformal.test.ts scores the calibrated ones).
    const report = backtestHourly(series, { fromMs: hourMs(4 * WEEK), stepHours: 8, calibration: { origins: 0, stepHours: DAY } });
    expect(report).toMatchObject({ origins: 40, horizon: DAY, stepHours: 8, fromMs: hourMs(4 * WEEK), toMs: hourMs(4 * WEEK + 39 * 8), models: { 'mstl-ets-24-168': 40 } });
    expect(report.model.mase).toBeLessThan(1);
    expect(report.model.mase).toBeLessThan(report.baseline.mase);
    expect(report.model.smape).toBeLessThan(report.baseline.smape);
    // augurs takes the interval width from the in-sample residuals, which the seasonal fit has
    // partly absorbed: out of sample the 95 % interval covers about 0.8-0.86 of the hours here
    // (the 80 % one 0.6-0.7), so the bound is below the nominal level.
    expect(report.coverage95).toBeGreaterThanOrEqual(0.75);
    expect(report.coverage95).toBeLessThanOrEqual(1);
    expect(report.coverage80).toBeGreaterThanOrEqual(0.5);
    expect(report.coverage80).toBeLessThanOrEqual(report.coverage95);
  });

  it('takes every hour from two days after the first point to the last with a whole horizon after it by default', () => {
    // A constant series: the fallback forecasts it exactly and the baseline too, so sMAPE is 0, coverage 1, MASE undefined (scale 0).
    const constant = Array.from({ length: 3 * DAY + 2 }, (_, t) => ({ hourStartMs: hourMs(t), value: 5 }));
    const report = backtestHourly(constant);
    expect(report).toMatchObject({ origins: 3, fromMs: hourMs(2 * DAY), toMs: hourMs(2 * DAY + 2), models: { 'same-hour-mean': 3 } });
    expect(report.model).toEqual({ mase: NaN, smape: 0 });
    expect(report.baseline).toEqual({ mase: NaN, smape: 0 });
    expect([report.coverage80, report.coverage95]).toEqual([1, 1]);
  });

  it('keeps the origins inside the range given, at least a day after the first point', () => {
    const series = syntheticHourly(4 * DAY, 22);
    expect(backtestHourly(series, { fromMs: hourMs(0), toMs: hourMs(DAY + 5), stepHours: 2, horizon: 6 })).toMatchObject({ origins: 3, fromMs: hourMs(DAY), toMs: hourMs(DAY + 4) });
    expect(backtestHourly([], {}).origins).toBe(0);
  });
});
