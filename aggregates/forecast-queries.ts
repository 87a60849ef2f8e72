// The revenue forecast's reads and writes (issue 26, "Forecast"): the store's hourly revenue and
// orders (what the forecaster fits), the revenue_forecast rows it writes, and the API's reads.
// Bound parameters only; the database name is the validated namespace.
import { isoMillisOfMs } from '../core/time-format.ts';
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';
import { secondsOfMs } from './query-conditions.ts';

const HOUR_MS = 3_600_000;

/** One hour of the store's sales. */
export interface HourlySales {
  hourStartMs: number;
  revenue: number;
  /** Distinct non-empty sessions with a purchase in the hour, plus each purchase without a session (the KPI tiles' and CLV's orders). */
  orders: number;
}

/** A statement and its bound parameters, runnable on the store or through a running start's query endpoint. */
export interface BoundQuery {
  query: string;
  params: Record<string, string>;
}

/** The row the hourly-sales statement answers (JSONEachRow). */
export interface HourlySalesRow {
  hour: number | string;
  revenue: string;
  orders: number | string;
}

/**
 * The hours of [fromMs, toMs) with a purchase, in order. Every valid purchase counts, late ones
 * too (what happened, not what the windows counted); exact duplicate lines count once.
 */
export function hourlySalesQuery(db: string, fromMs: number, toMs: number): BoundQuery {
  return {
    query: `SELECT toUnixTimestamp(toStartOfHour(event_time)) AS hour,
                   toString(sum(price)) AS revenue,
                   uniqExactIf((user_id, user_session), user_session != '') + countIf(user_session = '') AS orders
            FROM (SELECT DISTINCT event_time, product_id, category_id, category_code, brand, price, user_id, user_session
                  FROM ${db}.events
                  WHERE event_type = 'purchase' AND event_time >= toDateTime({from:UInt32}, 'UTC') AND event_time < toDateTime({to:UInt32}, 'UTC'))
            GROUP BY hour
            ORDER BY hour`,
    params: { from: String(secondsOfMs(fromMs)), to: String(Math.max(0, Math.ceil(toMs / 1000))) },
  };
}

export const hourlySalesOfRow = (r: HourlySalesRow): HourlySales => ({ hourStartMs: Number(r.hour) * 1000, revenue: Number(r.revenue), orders: Number(r.orders) });

/**
 * The store's hourly sales of [fromMs, toMs). Read on the panels' connection, under their limits:
 * on the pipeline's (one connection in embedded mode) the read would hold up the writes behind it.
 */
export async function hourlySales(store: Store, fromMs: number, toMs: number): Promise<HourlySales[]> {
  const { query, params } = hourlySalesQuery(store.database, fromMs, toMs);
  return (await queryRows<HourlySalesRow>(store, query, params)).map(hourlySalesOfRow);
}

/** A forecast hour's point and 80 % / 95 % bounds. */
export interface ForecastBand {
  point: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

export interface RevenueForecastHour {
  hourStartMs: number;
  revenue: ForecastBand;
  orders: ForecastBand;
}

/** One fit's forecast: its origin (the first hour forecast), the models and the hours. */
export interface RevenueForecast {
  madeAtMs: number;
  model: string;
  fallbackReason: string | null;
  ordersModel: string;
  ordersFallbackReason: string | null;
  hours: RevenueForecastHour[];
}

/** Writes forecasts in one insert; a forecast of an origin written before is replaced. */
export async function writeRevenueForecasts(store: Store, forecasts: readonly RevenueForecast[], fittedAtMs: number): Promise<void> {
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const fittedAt = isoMillisOfMs(fittedAtMs).replace('T', ' ').replace('Z', '');
  const values = forecasts.flatMap((forecast) =>
    forecast.hours.map((h) => ({
      made_at: seconds(forecast.madeAtMs),
      hour: seconds(h.hourStartMs),
      revenue: h.revenue.point,
      revenue_lo80: h.revenue.lo80,
      revenue_hi80: h.revenue.hi80,
      revenue_lo95: h.revenue.lo95,
      revenue_hi95: h.revenue.hi95,
      orders: h.orders.point,
      orders_lo80: h.orders.lo80,
      orders_hi80: h.orders.hi80,
      orders_lo95: h.orders.lo95,
      orders_hi95: h.orders.hi95,
      model: forecast.model,
      fallback_reason: forecast.fallbackReason,
      orders_model: forecast.ordersModel,
      orders_fallback_reason: forecast.ordersFallbackReason,
      fitted_at: fittedAt,
    })),
  );
  if (values.length > 0) await store.client.insert({ table: `${store.database}.revenue_forecast_data`, values, format: 'JSONEachRow' });
}

/** A revenue_forecast row under the view's column names, as JSON reads it. */
export interface ForecastRow {
  made_at: string;
  hour: string;
  revenue: number;
  revenue_lo80: number;
  revenue_hi80: number;
  revenue_lo95: number;
  revenue_hi95: number;
  orders: number;
  orders_lo80: number;
  orders_hi80: number;
  orders_lo95: number;
  orders_hi95: number;
  model: string;
  fallback_reason: string | null;
  orders_model: string;
  orders_fallback_reason: string | null;
}

const FORECAST_COLUMNS = `toUnixTimestamp(made_at) AS made_at, toUnixTimestamp(hour) AS hour, revenue, revenue_lo80, revenue_hi80,
  revenue_lo95, revenue_hi95, orders, orders_lo80, orders_hi80, orders_lo95, orders_hi95, model, fallback_reason,
  orders_model, orders_fallback_reason`;

function forecastOfRows(rows: ForecastRow[]): RevenueForecast | null {
  const first = rows[0];
  if (!first) return null;
  const band = (r: ForecastRow, s: 'revenue' | 'orders'): ForecastBand => ({
    point: r[s],
    lo80: r[`${s}_lo80`],
    hi80: r[`${s}_hi80`],
    lo95: r[`${s}_lo95`],
    hi95: r[`${s}_hi95`],
  });
  return {
    madeAtMs: Number(first.made_at) * 1000,
    model: first.model,
    fallbackReason: first.fallback_reason,
    ordersModel: first.orders_model,
    ordersFallbackReason: first.orders_fallback_reason,
    hours: rows.map((r) => ({ hourStartMs: Number(r.hour) * 1000, revenue: band(r, 'revenue'), orders: band(r, 'orders') })),
  };
}

/** The newest forecast (the latest origin), or null when none was made. */
export async function latestRevenueForecast(store: Store): Promise<RevenueForecast | null> {
  const db = store.database;
  const rows = await queryRows<ForecastRow>(
    store,
    `SELECT ${FORECAST_COLUMNS} FROM ${db}.revenue_forecast
     WHERE made_at = (SELECT max(made_at) FROM ${db}.revenue_forecast)
     ORDER BY hour`,
  );
  return forecastOfRows(rows);
}

/** The latest origin a forecast was made from (epoch ms), or null when none was made. */
export async function latestForecastOrigin(store: Store): Promise<number | null> {
  const [row] = await queryRows<{ n: string; made: string }>(store, `SELECT count() AS n, toUnixTimestamp(max(made_at)) AS made FROM ${store.database}.revenue_forecast_data`);
  return row && Number(row.n) > 0 ? Number(row.made) * 1000 : null;
}

/**
 * The forecast of [fromMs, toMs) made before it (the latest origin at or before fromMs), or null
 * unless that forecast covers every hour of the range: what the range's actuals are set against.
 */
export async function forecastOfSpan(store: Store, fromMs: number, toMs: number): Promise<RevenueForecast | null> {
  const db = store.database;
  const from = secondsOfMs(fromMs);
  const to = Math.max(from, Math.ceil(toMs / 1000));
  const rows = await queryRows<ForecastRow>(
    store,
    `SELECT ${FORECAST_COLUMNS} FROM ${db}.revenue_forecast
     WHERE made_at = (SELECT max(made_at) FROM ${db}.revenue_forecast WHERE made_at <= toDateTime({from:UInt32}, 'UTC'))
       AND hour >= toStartOfHour(toDateTime({from:UInt32}, 'UTC')) AND hour < toDateTime({to:UInt32}, 'UTC')
     ORDER BY hour`,
    { from, to },
  );
  const hoursInSpan = Math.ceil((to * 1000 - Math.floor(fromMs / HOUR_MS) * HOUR_MS) / HOUR_MS);
  return rows.length > 0 && rows.length >= hoursInSpan ? forecastOfRows(rows) : null;
}

/** The oldest and newest event times in the store (epoch ms). */
export interface EventTimeSpan {
  oldestMs: number;
  newestMs: number;
}

/**
 * The store's span of event time, or null while it holds no event. min() and max() of the events
 * table's partition key column are answered from the parts' min/max index, so it is cheap enough
 * to ask every second; the public view (FINAL) would merge every row. On the panels' connection,
 * as hourlySales.
 */
export async function eventTimeSpan(store: Store): Promise<EventTimeSpan | null> {
  const [row] = await queryRows<{ n: string; lo: string; hi: string }>(
    store,
    `SELECT count() AS n, toUnixTimestamp(min(event_time)) AS lo, toUnixTimestamp(max(event_time)) AS hi FROM ${store.database}.events_data`,
  );
  return row && Number(row.n) > 0 ? { oldestMs: Number(row.lo) * 1000, newestMs: Number(row.hi) * 1000 } : null;
}
