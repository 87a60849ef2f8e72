// An hourly series as the store answers it (hour start, value) made dense: one value per hour
// from the first point's hour up to the origin, missing hours as 0 (an hour without a row is an
// hour without sales).
import { HOUR_MS } from './defaults.ts';

export interface HourlyPoint {
  /** Start of the hour, epoch ms; a time inside an hour counts to that hour. */
  hourStartMs: number;
  value: number;
}

export interface DenseHourly {
  /** Start of the hour of values[0], epoch ms. */
  startMs: number;
  values: number[];
}

/** The hour start, epoch ms, of the hour holding `ms`. */
export function hourStartOf(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/**
 * The points before `endMs` as one value per hour, from the first point's hour to the hour
 * before `endMs`: missing hours are 0, two points of one hour are summed. Points at or after
 * `endMs` are left out.
 */
export function denseHourly(points: readonly HourlyPoint[], endMs: number): DenseHourly {
  const end = hourStartOf(endMs);
  const before = points.filter((p) => hourStartOf(p.hourStartMs) < end);
  if (before.length === 0) return { startMs: end, values: [] };
  const startMs = before.reduce((min, p) => Math.min(min, hourStartOf(p.hourStartMs)), end);
  const values = new Array<number>((end - startMs) / HOUR_MS).fill(0);
  for (const p of before) values[(hourStartOf(p.hourStartMs) - startMs) / HOUR_MS]! += p.value;
  return { startMs, values };
}
