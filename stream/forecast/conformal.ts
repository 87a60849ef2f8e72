// Split-conformal calibration of the prediction intervals. augurs' MSTL/ETS intervals come out
// too narrow on hourly sales (the 95 % band covered about 0.82 of held-out hours), so each fit
// is first made from a few earlier origins of the same history, and its intervals are scaled by
// the empirical quantile of how far the actuals fell, in units of the interval's half-width
// (normalised nonconformity scores: Lei, G'Sell, Rinaldo, Tibshirani & Wasserman 2018,
// "Distribution-free predictive inference for regression", §5.2; the finite-sample quantile
// ⌈(n+1)(1-α)⌉/n of Angelopoulos & Bates 2021, "A gentle introduction to conformal prediction", §1).
import { DAY_HOURS } from './defaults.ts';
import { LEVELS } from './defaults.ts';
import type { DenseHourly } from './hourly-series.ts';
import type { IntervalForecast } from './interval-forecast.ts';

export interface CalibrationOptions {
  /** Earlier origins the scores come from (0: no calibration). */
  origins: number;
  /** Hours between two of them (24: every hour of the day is scored alike). */
  stepHours: number;
}

export interface Calibration {
  /** Origins scored and scores (actual hours with a non-zero interval) behind the factors. */
  origins: number;
  scores: number;
  /** What the 80 % and 95 % half-widths are multiplied by. */
  factor80: number;
  factor95: number;
}

type Fit = (history: DenseHourly) => { forecast: IntervalForecast; calibratable: boolean };

/** The ⌈(n+1)·level⌉-th smallest score (the largest when that is past n); NaN without scores. */
export function conformalQuantile(scores: readonly number[], level: number): number {
  if (scores.length === 0) return NaN;
  const sorted = [...scores].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.ceil((sorted.length + 1) * level)) - 1]!;
}

/**
 * The factors from fits at origins `horizon`, `horizon + step`, … hours before the end of
 * `history` (each scored on the `horizon` hours after it); null when no origin could be scored
 * (too short a history, or only fallback fits).
 */
export function calibrate(history: DenseHourly, horizon: number, options: CalibrationOptions, fit: Fit): Calibration | null {
  const scores80: number[] = [];
  const scores95: number[] = [];
  let origins = 0;
  for (let k = 0; k < options.origins; k++) {
    const origin = history.values.length - horizon - k * options.stepHours;
    if (origin < 2 * DAY_HOURS) break;
    const { forecast, calibratable } = fit({ startMs: history.startMs, values: history.values.slice(0, origin) });
    if (!calibratable) continue;
    origins++;
    for (let h = 0; h < horizon; h++) {
      const error = Math.abs(history.values[origin + h]! - forecast.point[h]!);
      const half80 = forecast.hi80[h]! - forecast.point[h]!;
      const half95 = forecast.hi95[h]! - forecast.point[h]!;
      if (half80 > 0) scores80.push(error / half80);
      if (half95 > 0) scores95.push(error / half95);
    }
  }
  if (scores95.length === 0 || scores80.length === 0) return null;
  return { origins, scores: scores95.length, factor80: conformalQuantile(scores80, LEVELS.inner), factor95: conformalQuantile(scores95, LEVELS.outer) };
}

/**
 * The intervals scaled about the point by the factors, never below 0, the 95 % interval kept
 * around the 80 % one (their factors come from different quantiles).
 */
export function widen(forecast: IntervalForecast, calibration: Calibration): IntervalForecast {
  const { point } = forecast;
  const hi80 = point.map((p, h) => p + calibration.factor80 * (forecast.hi80[h]! - p));
  const hi95 = point.map((p, h) => Math.max(hi80[h]!, p + calibration.factor95 * (forecast.hi95[h]! - p)));
  const lo80 = point.map((p, h) => Math.max(0, p - (hi80[h]! - p)));
  const lo95 = point.map((p, h) => Math.min(lo80[h]!, Math.max(0, p - (hi95[h]! - p))));
  return { point, lo80, hi80, lo95, hi95 };
}
