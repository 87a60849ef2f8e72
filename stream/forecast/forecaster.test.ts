import { describe, expect, it } from 'vitest';
import { HOUR_MS, SYNTHETIC_START_MS, seasonalValue, SHOP_SHAPE, syntheticHourly } from '../../test/synthetic-hourly.ts';
import { mase, seasonalNaive, seasonalNaiveMae } from './accuracy.ts';
import { forecastHourly } from './forecaster.ts';
import type { HourlyForecast } from './forecaster.ts';

const DAY = 24;
const WEEK = 168;
const originAfter = (hours: number) => SYNTHETIC_START_MS + hours * HOUR_MS;

function expectWellFormed(forecast: HourlyForecast, horizon: number) {
  expect(forecast.hours).toHaveLength(horizon);
  forecast.hours.forEach((hour, h) => {
    expect(hour.hourStartMs).toBe(forecast.originMs + h * HOUR_MS);
    for (const value of [hour.point, hour.lo80, hour.hi80, hour.lo95, hour.hi95]) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
    expect(hour.lo95).toBeLessThanOrEqual(hour.lo80);
    expect(hour.lo80).toBeLessThanOrEqual(hour.point);
    expect(hour.point).toBeLessThanOrEqual(hour.hi80);
    expect(hour.hi80).toBeLessThanOrEqual(hour.hi95);
  });
}

describe('forecastHourly', () => {
  it('fits MSTL with daily and weekly periods on four weeks and tracks the series better than seasonal naive', () => {
    const series = syntheticHourly(4 * WEEK + DAY, 11);
    const history = series.slice(0, 4 * WEEK);
    const actual = series.slice(4 * WEEK).map((p) => p.value);
    const forecast = forecastHourly(history, originAfter(4 * WEEK));
    expect(forecast).toMatchObject({ model: 'mstl-ets-24-168', fallbackReason: null, originMs: originAfter(4 * WEEK) });
    expectWellFormed(forecast, DAY);
    const values = series.map((p) => p.value);
    const scale = seasonalNaiveMae(values.slice(0, 4 * WEEK));
    const modelMase = mase(actual, forecast.hours.map((h) => h.point), scale);
    const baselineMase = mase(actual, actual.map((_, h) => seasonalNaive(values, 4 * WEEK, 4 * WEEK + h)), scale);
    expect(modelMase).toBeLessThan(1);
    expect(modelMase).toBeLessThan(baselineMase);
  });

  it('fits MSTL with the daily period alone from two days to two weeks', () => {
    const forecast = forecastHourly(syntheticHourly(3 * DAY, 12), originAfter(3 * DAY), { horizon: 6 });
    expect(forecast).toMatchObject({ model: 'mstl-ets-24', fallbackReason: null });
    expectWellFormed(forecast, 6);
  });

  it('falls back to the same-hour mean under two days and names the reason', () => {
    const forecast = forecastHourly(syntheticHourly(30, 13), originAfter(30));
    expect(forecast.model).toBe('same-hour-mean');
    expect(forecast.fallbackReason).toBe('30 h of history, under the 48 h MSTL needs');
    expectWellFormed(forecast, DAY);
  });

  it('counts missing hours as 0 and ignores points from the origin on', () => {
    // Two weeks of a series whose every third hour (t ≡ 1 mod 3) has no row; a point past the origin must not count.
    const sparse = syntheticHourly(2 * WEEK, 14).filter((_, t) => t % 3 !== 1);
    const late = { hourStartMs: originAfter(2 * WEEK + 5), value: 1e9 };
    const forecast = forecastHourly([...sparse, late], originAfter(2 * WEEK));
    expect(forecast.model).toBe('mstl-ets-24-168');
    expectWellFormed(forecast, DAY);
    // 24 is a multiple of 3, so the empty hours are part of the daily cycle: forecast near 0 there, near the series elsewhere.
    expect(forecast.hours[0]!.point).toBeGreaterThan(seasonalValue(2 * WEEK, SHOP_SHAPE) / 2);
    expect(forecast.hours[1]!.point).toBeLessThan(seasonalValue(2 * WEEK + 1, SHOP_SHAPE) / 2);
    expect(Math.max(...forecast.hours.map((h) => h.hi95))).toBeLessThan(1000);
  });

  it('clamps the lower bounds at 0 for a series near 0', () => {
    const nearZero = syntheticHourly(3 * WEEK, 15, { level: 2, dailyAmplitude: 2, weeklyAmplitude: 0.5, noiseSd: 2 }).map((p) => ({ ...p, value: Math.max(0, p.value) }));
    const forecast = forecastHourly(nearZero, originAfter(3 * WEEK));
    expectWellFormed(forecast, DAY);
    expect(forecast.hours.some((h) => h.lo95 === 0)).toBe(true);
  });

  it('returns the fallback with a reason, never throws, on an empty, a constant or a NaN history', () => {
    const empty = forecastHourly([], originAfter(0));
    expect(empty).toMatchObject({ model: 'same-hour-mean', fallbackReason: '0 h of history, under the 48 h MSTL needs' });
    expect(empty.hours.map((h) => h.point)).toEqual(new Array(DAY).fill(0));

    const constant = forecastHourly(syntheticHourly(3 * WEEK, 16).map((p) => ({ ...p, value: 7 })), originAfter(3 * WEEK));
    expect(constant).toMatchObject({ model: 'same-hour-mean', fallbackReason: 'constant history (7 every hour)' });
    expect(constant.hours.every((h) => h.lo95 === 7 && h.point === 7 && h.hi95 === 7)).toBe(true);

    const withNaN = syntheticHourly(3 * WEEK, 17).map((p, t) => (t === 100 ? { ...p, value: NaN } : p));
    const nan = forecastHourly(withNaN, originAfter(3 * WEEK));
    expect(nan.model).toBe('same-hour-mean');
    expect(nan.fallbackReason).toBe(`non-finite value NaN at ${new Date(originAfter(100)).toISOString().replace('.000Z', 'Z')}`);
    expectWellFormed(nan, DAY);
  });

  it('fits only the latest maxHistoryHours', () => {
    // Three weeks of which only the last 30 hours are fitted: the fallback's reason says so.
    const forecast = forecastHourly(syntheticHourly(3 * WEEK, 18), originAfter(3 * WEEK), { maxHistoryHours: 30 });
    expect(forecast.fallbackReason).toBe('30 h of history, under the 48 h MSTL needs');
  });
});
