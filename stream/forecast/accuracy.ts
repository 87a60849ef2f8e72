// Forecast accuracy measures and the seasonal-naive baseline they are judged against.
import { DAY_HOURS, WEEK_HOURS } from './defaults.ts';

/**
 * The seasonal-naive value for hour `t` of `values` when only values[0 .. known) are known: the
 * same hour one week earlier, or one day earlier where the week is not in the history (the
 * latest known same hour of the day for t past a day ahead); NaN when not even a day is known.
 */
export function seasonalNaive(values: readonly number[], known: number, t: number): number {
  for (const lag of [WEEK_HOURS, DAY_HOURS]) {
    const back = t - lag * Math.max(1, Math.ceil((t - known + 1) / lag));
    if (back >= 0) return values[back]!;
  }
  return NaN;
}

/**
 * The in-sample mean absolute error of the seasonal-naive baseline over `history` (each hour
 * against the same hour a week, else a day, earlier): the scale of MASE (Hyndman & Koehler 2006,
 * "Another look at measures of forecast accuracy", eq. for q_t with seasonal period m). NaN under
 * a day of history.
 */
export function seasonalNaiveMae(history: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (let t = DAY_HOURS; t < history.length; t++) {
    sum += Math.abs(history[t]! - history[t - (t >= WEEK_HOURS ? WEEK_HOURS : DAY_HOURS)]!);
    count++;
  }
  return count === 0 ? NaN : sum / count;
}

/** Mean absolute error of `forecast` against `actual` (same length). */
export function meanAbsoluteError(actual: readonly number[], forecast: readonly number[]): number {
  return actual.reduce((sum, a, i) => sum + Math.abs(a - forecast[i]!), 0) / actual.length;
}

/** Mean absolute scaled error: the forecast's MAE over `scale` (seasonalNaiveMae of the history); NaN when the scale is 0 or NaN. */
export function mase(actual: readonly number[], forecast: readonly number[], scale: number): number {
  return scale > 0 ? meanAbsoluteError(actual, forecast) / scale : NaN;
}

/**
 * Symmetric mean absolute percentage error in percent, 0 to 200, as in the M4 competition
 * (Makridakis et al. 2020, eq. 1): the mean of 200 |a - f| / (|a| + |f|). An hour where actual
 * and forecast are both 0 counts as 0 (a perfect forecast of no sales), not 0/0.
 */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  const terms = actual.map((a, i) => {
    const f = forecast[i]!;
    const denominator = Math.abs(a) + Math.abs(f);
    return denominator === 0 ? 0 : (200 * Math.abs(a - f)) / denominator;
  });
  return terms.reduce((a, b) => a + b, 0) / terms.length;
}

/** The share of `actual` inside [lower, upper] (bounds included), 0 to 1. */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  return actual.filter((a, i) => a >= lower[i]! && a <= upper[i]!).length / actual.length;
}
