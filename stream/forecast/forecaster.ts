// The hourly forecaster: picks the model the history allows, fits it, and never throws on the
// series (empty, constant or holding NaN): such a history gets the fallback, with the reason.
//   two weeks or more: MSTL, ETS trend, daily and weekly seasonality (periods 24 and 168);
//   two days or more:  MSTL, ETS trend, daily seasonality (period 24);
//   under two days:    the same-hour mean (same-hour-mean.ts).
//   MSTL's intervals are then calibrated on earlier origins of the same history (conformal.ts).
import { isoSecondsOfMs } from '../../core/time-format.ts';
import { calibrate, widen } from './conformal.ts';
import type { Calibration, CalibrationOptions } from './conformal.ts';
import { DAY_HOURS, FORECAST_DEFAULTS, HOUR_MS, WEEK_HOURS } from './defaults.ts';
import { denseHourly, hourStartOf } from './hourly-series.ts';
import type { DenseHourly, HourlyPoint } from './hourly-series.ts';
import { allFinite, clampAtZero } from './interval-forecast.ts';
import type { IntervalForecast } from './interval-forecast.ts';
import { mstlForecast } from './mstl-model.ts';
import { sameHourMeanForecast } from './same-hour-mean.ts';

export type ForecastModel = 'mstl-ets-24-168' | 'mstl-ets-24' | 'same-hour-mean';

export interface ForecastOptions {
  /** Hours to forecast (default 24). */
  horizon?: number;
  /** The model fits at most this many of the latest hours (default 8 weeks). */
  maxHistoryHours?: number;
  /** The intervals' calibration (default: 7 origins a day apart; `{ origins: 0 }`: augurs' intervals as they are). */
  calibration?: CalibrationOptions;
}

export interface ModelForecast {
  model: ForecastModel;
  /** Why the fallback (same-hour-mean) was used; null when MSTL fitted. */
  fallbackReason: string | null;
  /** Every value at least 0. */
  forecast: IntervalForecast;
  /** The factors the intervals were widened by; null when not calibrated (the fallback, too short a history). */
  calibration: Calibration | null;
}

export interface ForecastHour {
  hourStartMs: number;
  point: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

export interface HourlyForecast {
  /** Start of the first forecast hour, epoch ms. */
  originMs: number;
  model: ForecastModel;
  fallbackReason: string | null;
  calibration: Calibration | null;
  hours: ForecastHour[];
}

function mstlPlan(hours: number): { model: ForecastModel; periods: number[] } | undefined {
  if (hours >= 2 * WEEK_HOURS) return { model: 'mstl-ets-24-168', periods: [DAY_HOURS, WEEK_HOURS] };
  if (hours >= 2 * DAY_HOURS) return { model: 'mstl-ets-24', periods: [DAY_HOURS] };
  return undefined;
}

/** Why MSTL should not see `history`, or undefined when it may. */
function degenerateReason(history: DenseHourly): string | undefined {
  const at = history.values.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) return `non-finite value ${history.values[at]} at ${isoSecondsOfMs(history.startMs + at * HOUR_MS)}`;
  const first = history.values[0];
  if (history.values.every((v) => v === first)) return `constant history (${first} every hour)`;
  return undefined;
}

/** Forecasts `horizon` hours after a dense history (the model and the reason for a fallback with it), the intervals calibrated. */
export function forecastDense(
  history: DenseHourly,
  horizon: number,
  maxHistoryHours: number = FORECAST_DEFAULTS.maxHistoryHours,
  calibration: CalibrationOptions = FORECAST_DEFAULTS.calibration,
): ModelForecast {
  const fitted = fitDense(history, horizon, maxHistoryHours);
  if (fitted.model === 'same-hour-mean' || calibration.origins === 0) return fitted;
  const factors = calibrate(history, horizon, calibration, (earlier) => {
    const f = fitDense(earlier, horizon, maxHistoryHours);
    return { forecast: f.forecast, calibratable: f.model !== 'same-hour-mean' };
  });
  return factors ? { ...fitted, forecast: widen(fitted.forecast, factors), calibration: factors } : fitted;
}

/** One fit, augurs' intervals as they are. */
function fitDense(history: DenseHourly, horizon: number, maxHistoryHours: number): ModelForecast {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`forecast horizon must be a positive integer, not ${horizon}`);
  const dropped = Math.max(0, history.values.length - maxHistoryHours);
  const recent = { startMs: history.startMs + dropped * HOUR_MS, values: history.values.slice(dropped) };
  const fallback = (fallbackReason: string): ModelForecast => ({
    model: 'same-hour-mean',
    fallbackReason,
    calibration: null,
    forecast: clampAtZero(sameHourMeanForecast(recent.values, (recent.startMs / HOUR_MS) % DAY_HOURS, horizon)),
  });
  const plan = mstlPlan(recent.values.length);
  if (!plan) return fallback(`${recent.values.length} h of history, under the ${2 * DAY_HOURS} h MSTL needs`);
  const degenerate = degenerateReason(recent);
  if (degenerate) return fallback(degenerate);
  let forecast: IntervalForecast;
  try {
    forecast = mstlForecast(recent.values, plan.periods, horizon);
  } catch (error) {
    return fallback(`${plan.model} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!allFinite(forecast)) return fallback(`${plan.model} returned non-finite values`);
  return { model: plan.model, fallbackReason: null, calibration: null, forecast: clampAtZero(forecast) };
}

/**
 * Forecasts the hours from `originMs` (its hour) on, from the points before it: an hourly series
 * whose missing hours count as 0 (hourly-series.ts).
 */
export function forecastHourly(points: readonly HourlyPoint[], originMs: number, options: ForecastOptions = {}): HourlyForecast {
  const origin = hourStartOf(originMs);
  const { model, fallbackReason, forecast, calibration } = forecastDense(
    denseHourly(points, origin),
    options.horizon ?? FORECAST_DEFAULTS.horizon,
    options.maxHistoryHours ?? FORECAST_DEFAULTS.maxHistoryHours,
    options.calibration,
  );
  const hours = forecast.point.map((point, h) => ({
    hourStartMs: origin + h * HOUR_MS,
    point,
    lo80: forecast.lo80[h]!,
    hi80: forecast.hi80[h]!,
    lo95: forecast.lo95[h]!,
    hi95: forecast.hi95[h]!,
  }));
  return { originMs: origin, model, fallbackReason, calibration, hours };
}
