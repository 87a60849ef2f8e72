// The alerts' reads and writes (issue 26, "Alerts"): the state changes the evaluator records in
// `alerts`, what the API and `alerts list` read back, and what the business rules read of event
// time: each hour's revenue beside the forecast made before it, and each hour's sessions with a
// cart and abandoned ones. Bound parameters only; the database name is the validated namespace.
import { isoMillisOfMs } from '../core/time-format.ts';
import { hourlySales } from './forecast-queries.ts';
import { queryRows } from './query-rows.ts';
import { secondsOfMs } from './query-conditions.ts';
import type { Store } from './store.ts';

/** One state change of one alert. */
export interface AlertRecord {
  rule: string;
  kind: 'pipeline' | 'business';
  fingerprint: string;
  labels: Readonly<Record<string, string>>;
  state: 'pending' | 'firing' | 'resolved' | 'inactive';
  value: number;
  /** Wall-clock (pipeline) or event time (business) of the evaluation. */
  changedAtMs: number;
  startedAtMs: number;
  resolvedAtMs?: number;
  summary: string;
  /** The channels the change's notification was handed to. */
  notified: readonly string[];
}

const dateTime64 = (ms: number) => isoMillisOfMs(ms).replace('T', ' ').replace('Z', '');

/** Records changes; a change recorded before (same rule, alert, time and state: a replay) is kept once, the notified one first. */
export async function writeAlertRecords(store: Store, records: readonly AlertRecord[], recordedAtMs: number): Promise<void> {
  if (records.length === 0) return;
  const values = records.map((r) => ({
    rule: r.rule,
    kind: r.kind,
    fingerprint: r.fingerprint,
    labels: JSON.stringify(r.labels),
    state: r.state,
    value: Number.isFinite(r.value) ? r.value : 0,
    changed_at: dateTime64(r.changedAtMs),
    started_at: dateTime64(r.startedAtMs),
    resolved_at: r.resolvedAtMs === undefined ? null : dateTime64(r.resolvedAtMs),
    summary: r.summary,
    notified: [...r.notified],
    recorded_at: dateTime64(recordedAtMs),
    version: r.notified.length > 0 ? 1 : 0,
  }));
  await store.client.insert({ table: `${store.database}.alerts_data`, values, format: 'JSONEachRow' });
}

interface AlertRow {
  rule: string;
  kind: AlertRecord['kind'];
  fingerprint: string;
  labels: string;
  state: AlertRecord['state'];
  value: number;
  changed_ms: string;
  started_ms: string;
  resolved_ms: string | null;
  summary: string;
  notified: string[];
}

// The times under other names: an alias named like its column would replace the column in WHERE.
const ALERT_COLUMNS = `rule, kind, fingerprint, labels, state, value, toUnixTimestamp64Milli(changed_at) AS changed_ms,
  toUnixTimestamp64Milli(started_at) AS started_ms, toUnixTimestamp64Milli(resolved_at) AS resolved_ms, summary, notified`;

function recordOfRow(r: AlertRow): AlertRecord {
  return {
    rule: r.rule,
    kind: r.kind,
    fingerprint: r.fingerprint,
    labels: JSON.parse(r.labels) as Record<string, string>,
    state: r.state,
    value: Number(r.value),
    changedAtMs: Number(r.changed_ms),
    startedAtMs: Number(r.started_ms),
    ...(r.resolved_ms === null ? {} : { resolvedAtMs: Number(r.resolved_ms) }),
    summary: r.summary,
    notified: r.notified,
  };
}

/** The newest `limit` changes, newest first. */
export async function recentAlertRecords(store: Store, limit: number): Promise<AlertRecord[]> {
  const rows = await queryRows<AlertRow>(store, `SELECT ${ALERT_COLUMNS} FROM ${store.database}.alerts ORDER BY changed_at DESC, rule LIMIT {limit:UInt32}`, { limit });
  return rows.map(recordOfRow);
}

/** Each alert's latest change where that change is `firing`: the alerts firing now. */
export async function firingAlertRecords(store: Store): Promise<AlertRecord[]> {
  const rows = await queryRows<AlertRow>(
    store,
    `SELECT ${ALERT_COLUMNS} FROM ${store.database}.alerts
     WHERE (rule, fingerprint, changed_at) IN (SELECT rule, fingerprint, max(changed_at) FROM ${store.database}.alerts GROUP BY rule, fingerprint)
       AND state = 'firing'
     ORDER BY changed_at DESC, rule`,
  );
  return rows.map(recordOfRow);
}

/** One complete hour of event time, as the business rules read it. */
export interface BusinessHour {
  hourStartMs: number;
  revenue: number;
  /** The bounds of the latest forecast made at or before the hour; absent when none covers it. */
  forecast?: { lo80: number; lo95: number };
  /** Sessions that ended in the hour with a cart, and of those the abandoned ones. */
  carted: number;
  abandoned: number;
}

/** Every hour of [fromMs, toMs), oldest first, with zeros where nothing happened. */
export async function businessHours(store: Store, fromMs: number, toMs: number): Promise<BusinessHour[]> {
  const db = store.database;
  const params = { from: secondsOfMs(fromMs), to: secondsOfMs(toMs) };
  const [sales, bounds, sessions] = await Promise.all([
    hourlySales(store, fromMs, toMs),
    queryRows<{ hour: string; lo80: number; lo95: number }>(
      store,
      `SELECT toUnixTimestamp(hour) AS hour, argMax(revenue_lo80, made_at) AS lo80, argMax(revenue_lo95, made_at) AS lo95
       FROM ${db}.revenue_forecast
       WHERE hour >= toDateTime({from:UInt32}, 'UTC') AND hour < toDateTime({to:UInt32}, 'UTC') AND made_at <= hour
       GROUP BY hour`,
      params,
    ),
    queryRows<{ hour: string; carted: string; abandoned: string }>(
      store,
      `SELECT toUnixTimestamp(toStartOfHour(session_end)) AS hour, countIf(carts > 0) AS carted, sum(abandoned) AS abandoned
       FROM ${db}.sessions
       WHERE session_end >= toDateTime({from:UInt32}, 'UTC') AND session_end < toDateTime({to:UInt32}, 'UTC')
       GROUP BY hour`,
      params,
    ),
  ]);
  const revenueAt = new Map(sales.map((s) => [s.hourStartMs, s.revenue]));
  const boundsAt = new Map(bounds.map((b) => [Number(b.hour) * 1000, { lo80: Number(b.lo80), lo95: Number(b.lo95) }]));
  const sessionsAt = new Map(sessions.map((s) => [Number(s.hour) * 1000, { carted: Number(s.carted), abandoned: Number(s.abandoned) }]));
  const hours: BusinessHour[] = [];
  for (let h = fromMs; h < toMs; h += 3_600_000) {
    const forecast = boundsAt.get(h);
    hours.push({ hourStartMs: h, revenue: revenueAt.get(h) ?? 0, ...(forecast ? { forecast } : {}), carted: 0, abandoned: 0, ...sessionsAt.get(h) });
  }
  return hours;
}

/** The first hour a forecast covers (epoch ms), or null while none was made: where business evaluation can begin. */
export async function firstForecastHour(store: Store): Promise<number | null> {
  const [row] = await queryRows<{ n: string; first: string }>(store, `SELECT count() AS n, toUnixTimestamp(min(hour)) AS first FROM ${store.database}.revenue_forecast`);
  return row && Number(row.n) > 0 ? Number(row.first) * 1000 : null;
}
