// The fallback under two days of history, where MSTL cannot see a daily cycle twice: each future
// hour is the mean of the history's values at the same hour of the day (UTC), or the mean of the
// whole history where that hour was not seen yet. Its intervals are deliberately wide: the half
// width at level L is the empirical L-quantile of the history's absolute deviations from its
// mean, so the band spans the day's whole range rather than trusting one or two days' profile.
// Non-finite values are left out; with no finite value the forecast is 0 with no width.
import { DAY_HOURS, LEVELS } from './defaults.ts';
import type { IntervalForecast } from './interval-forecast.ts';

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The nearest-rank quantile (Hyndman & Fan 1996, definition 1) of `values`, 0 for none. */
function nearestRankQuantile(values: readonly number[], level: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(level * sorted.length) - 1)]!;
}

/**
 * Forecasts `horizon` hours after `values`; `firstHourOfDay` is the hour of the day (UTC, 0-23)
 * of values[0], which places every value on the daily clock.
 */
export function sameHourMeanForecast(values: readonly number[], firstHourOfDay: number, horizon: number): IntervalForecast {
  const finite = values.flatMap((value, i) => (Number.isFinite(value) ? [{ value, hourOfDay: (firstHourOfDay + i) % DAY_HOURS }] : []));
  const overall = mean(finite.map((f) => f.value));
  const deviations = finite.map((f) => Math.abs(f.value - overall));
  const half80 = nearestRankQuantile(deviations, LEVELS.inner);
  const half95 = nearestRankQuantile(deviations, LEVELS.outer);
  const point = Array.from({ length: horizon }, (_, h) => {
    const hourOfDay = (firstHourOfDay + values.length + h) % DAY_HOURS;
    const sameHour = finite.filter((f) => f.hourOfDay === hourOfDay).map((f) => f.value);
    return sameHour.length > 0 ? mean(sameHour) : overall;
  });
  return {
    point,
    lo80: point.map((p) => p - half80),
    hi80: point.map((p) => p + half80),
    lo95: point.map((p) => p - half95),
    hi95: point.map((p) => p + half95),
  };
}
