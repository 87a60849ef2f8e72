// What every model returns: a point forecast and the 80 % and 95 % prediction intervals, one
// entry per future hour, as parallel arrays.
export interface IntervalForecast {
  point: number[];
  lo80: number[];
  hi80: number[];
  lo95: number[];
  hi95: number[];
}

/** The forecast with every value at least 0: revenue and order counts are never negative. */
export function clampAtZero(forecast: IntervalForecast): IntervalForecast {
  const clamp = (values: number[]) => values.map((v) => Math.max(0, v));
  return {
    point: clamp(forecast.point),
    lo80: clamp(forecast.lo80),
    hi80: clamp(forecast.hi80),
    lo95: clamp(forecast.lo95),
    hi95: clamp(forecast.hi95),
  };
}

/** True when every value of the forecast is a finite number. */
export function allFinite(forecast: IntervalForecast): boolean {
  return Object.values(forecast).every((values: number[]) => values.every(Number.isFinite));
}
