// The forecast's public API: the hourly forecaster, its rolling-origin backtest and the
// accuracy measures (issue 26, "Forecast"). Pure apart from loading augurs' WASM once.
export { backtestHourly } from './backtest.ts';
export type { Accuracy, BacktestOptions, BacktestReport } from './backtest.ts';
export { coverage, mase, seasonalNaive, seasonalNaiveMae, smape } from './accuracy.ts';
export { FORECAST_DEFAULTS } from './defaults.ts';
export { forecastHourly } from './forecaster.ts';
export type { ForecastHour, ForecastModel, ForecastOptions, HourlyForecast } from './forecaster.ts';
export type { Calibration, CalibrationOptions } from './conformal.ts';
export type { HourlyPoint } from './hourly-series.ts';
