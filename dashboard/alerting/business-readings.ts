// The readings of the business rules at the end of one complete hour of event time: the trailing
// run of hours that have a forecast (the revenue condition needs consecutive hours), and the
// sessions that ended inside a window ending with the hour. Pure: the hours come from the store.
import type { BusinessHour } from '../../aggregates/alert-queries.ts';
import type { ConditionReadings, HourAgainstForecast } from './condition-readings.ts';

const HOUR_MS = 3_600_000;

/** The readings after hours[index] completed; earlier entries of `hours` are the history. */
export function businessReadingsAt(hours: readonly BusinessHour[], index: number): ConditionReadings {
  const againstForecast: HourAgainstForecast[] = [];
  for (let i = index; i >= 0; i--) {
    const h = hours[i]!;
    if (!h.forecast || (i < index && hours[i + 1]!.hourStartMs - h.hourStartMs !== HOUR_MS)) break;
    againstForecast.unshift({ hourStartMs: h.hourStartMs, revenue: h.revenue, lo80: h.forecast.lo80, lo95: h.forecast.lo95 });
  }
  const endMs = hours[index]!.hourStartMs + HOUR_MS;
  const sessionsOver = (windowMs: number) => {
    const inWindow = hours.slice(0, index + 1).filter((h) => h.hourStartMs >= endMs - windowMs);
    return { carted: inWindow.reduce((n, h) => n + h.carted, 0), abandoned: inWindow.reduce((n, h) => n + h.abandoned, 0) };
  };
  return { hoursAgainstForecast: againstForecast, sessionsOver };
}
