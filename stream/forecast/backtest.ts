// Rolling-origin evaluation (Tashman 2000, "Out-of-sample tests of forecasting accuracy"): from
// each origin of a range, fit on the hours before it, forecast the next `horizon` hours and
// compare with what happened; the seasonal-naive baseline is scored the same way. Pure: the
// caller reads the series and times the run.
import { DAY_HOURS, FORECAST_DEFAULTS, HOUR_MS } from './defaults.ts';
import { coverage, mase, seasonalNaive, seasonalNaiveMae, smape } from './accuracy.ts';
import type { CalibrationOptions } from './conformal.ts';
import { forecastDense } from './forecaster.ts';
import type { ForecastModel } from './forecaster.ts';
import { denseHourly, hourStartOf } from './hourly-series.ts';
import type { HourlyPoint } from './hourly-series.ts';

export interface BacktestOptions {
  /** First origin, epoch ms (its hour); default: two days after the first point, where MSTL can start; at least one day after it, where the baseline can. */
  fromMs?: number;
  /** Last origin, epoch ms (its hour), inclusive; default and at most: the last origin with `horizon` hours observed after it. */
  toMs?: number;
  horizon?: number;
  /** Hours between two origins (default 1: every hour). */
  stepHours?: number;
  maxHistoryHours?: number;
  /** The intervals' calibration at each origin (default as the forecaster's). */
  calibration?: CalibrationOptions;
}

export interface Accuracy {
  /** Mean over the origins of MASE, each scaled by the seasonal-naive in-sample MAE of its history (origins whose scale is 0 left out); NaN with none. */
  mase: number;
  /** sMAPE in percent (0 to 200; 0/0 counts as 0) over every forecast hour. */
  smape: number;
}

export interface BacktestReport {
  /** First and last origin evaluated, epoch ms; NaN when none was. */
  fromMs: number;
  toMs: number;
  origins: number;
  horizon: number;
  stepHours: number;
  model: Accuracy;
  baseline: Accuracy;
  /** Share of the actual hours inside the 80 % and 95 % intervals. */
  coverage80: number;
  coverage95: number;
  /** How many origins each model forecast (a fallback shows here). */
  models: Partial<Record<ForecastModel, number>>;
}

const mean = (values: readonly number[]) => (values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length);

/** The rolling-origin backtest of the forecaster over `points` (an hourly series, missing hours 0). */
export function backtestHourly(points: readonly HourlyPoint[], options: BacktestOptions = {}): BacktestReport {
  const horizon = options.horizon ?? FORECAST_DEFAULTS.horizon;
  const stepHours = options.stepHours ?? FORECAST_DEFAULTS.backtestStepHours;
  if (!Number.isInteger(stepHours) || stepHours < 1) throw new RangeError(`backtest step must be a positive integer of hours, not ${stepHours}`);
  const endMs = points.reduce((max, p) => Math.max(max, hourStartOf(p.hourStartMs) + HOUR_MS), 0);
  const series = denseHourly(points, endMs);
  const indexOf = (ms: number) => Math.round((hourStartOf(ms) - series.startMs) / HOUR_MS);
  const first = Math.max(DAY_HOURS, options.fromMs === undefined ? 2 * DAY_HOURS : indexOf(options.fromMs));
  const last = Math.min(series.values.length - horizon, options.toMs === undefined ? Infinity : indexOf(options.toMs));

  const modelMase: number[] = [];
  const baselineMase: number[] = [];
  const actuals: number[] = [];
  const modelPoints: number[] = [];
  const baselinePoints: number[] = [];
  const lo80: number[] = [];
  const hi80: number[] = [];
  const lo95: number[] = [];
  const hi95: number[] = [];
  const models: Partial<Record<ForecastModel, number>> = {};
  let origins = 0;
  for (let origin = first; origin <= last; origin += stepHours) {
    const history = series.values.slice(0, origin);
    const actual = series.values.slice(origin, origin + horizon);
    const { model, forecast } = forecastDense({ startMs: series.startMs, values: history }, horizon, options.maxHistoryHours, options.calibration);
    const baseline = actual.map((_, h) => seasonalNaive(series.values, origin, origin + h));
    const scale = seasonalNaiveMae(history);
    modelMase.push(mase(actual, forecast.point, scale));
    baselineMase.push(mase(actual, baseline, scale));
    actuals.push(...actual);
    modelPoints.push(...forecast.point);
    baselinePoints.push(...baseline);
    lo80.push(...forecast.lo80);
    hi80.push(...forecast.hi80);
    lo95.push(...forecast.lo95);
    hi95.push(...forecast.hi95);
    models[model] = (models[model] ?? 0) + 1;
    origins++;
  }
  const finiteMean = (values: number[]) => mean(values.filter(Number.isFinite));
  return {
    fromMs: origins > 0 ? series.startMs + first * HOUR_MS : NaN,
    toMs: origins > 0 ? series.startMs + (first + (origins - 1) * stepHours) * HOUR_MS : NaN,
    origins,
    horizon,
    stepHours,
    model: { mase: finiteMean(modelMase), smape: actuals.length ? smape(actuals, modelPoints) : NaN },
    baseline: { mase: finiteMean(baselineMase), smape: actuals.length ? smape(actuals, baselinePoints) : NaN },
    coverage80: actuals.length ? coverage(actuals, lo80, hi80) : NaN,
    coverage95: actuals.length ? coverage(actuals, lo95, hi95) : NaN,
    models,
  };
}
