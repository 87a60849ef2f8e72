// The analyst's numbers over a time range of event time: the KPI tiles (revenue, orders, buyers,
// average order value, view → purchase conversion), revenue per minute or hour, and how far
// event time has got. Revenue, purchases and views come from the windowed aggregates (the same
// numbers the charts and the funnel show); orders and buyers need users and sessions, so they
// come from the events table, exact duplicates counted once. Bound parameters only.
import type { Store } from './store.ts';
import { queryRows } from './queries.ts';
import { productCondition, type ProductFilter } from './dashboard-queries.ts';
import { isoSecondsOfSeconds } from '../core/time-format.ts';

/** [from, to) in epoch ms. */
export interface TimeSpan {
  from: number;
  to: number;
}

export interface KpiValues {
  revenue: number;
  /** Distinct non-empty sessions with a purchase, plus each purchase without a session. */
  orders: number;
  /** Distinct users with a purchase. */
  buyers: number;
  purchases: number;
  views: number;
  /** revenue / orders (0 without orders). */
  avg_order_value: number;
  /** purchases / views (0 without views). */
  conversion: number;
}

export type SeriesBucket = 'minute' | 'hour';

export interface RevenuePoint {
  start: string;
  revenue: number;
  purchases: number;
}

const num = (v: string | number): number => Number(v);
const seconds = (ms: number) => Math.max(0, Math.floor(ms / 1000));

/** `multiIf(column in span 0, 0, column in span 1, 1, …, -1)` with the spans' bound parameters. */
function spanIndex(column: string, spans: TimeSpan[]): { sql: string; params: Record<string, number> } {
  const params: Record<string, number> = {};
  const arms = spans.map((s, i) => {
    params[`f${i}`] = seconds(s.from);
    params[`t${i}`] = Math.max(0, Math.ceil(s.to / 1000));
    return `${column} >= toDateTime({f${i}:UInt32}, 'UTC') AND ${column} < toDateTime({t${i}:UInt32}, 'UTC'), ${i}`;
  });
  params.lo = Math.min(...spans.map((s) => seconds(s.from)));
  params.hi = Math.max(...spans.map((s) => params[`t${spans.indexOf(s)}`]!));
  return { sql: `multiIf(${arms.join(', ')}, -1)`, params };
}

/** The KPIs of each span (in the order given), optionally of some products. */
export async function kpiValues(store: Store, spans: TimeSpan[], filter: ProductFilter = {}): Promise<KpiValues[]> {
  if (spans.length === 0) return [];
  const db = store.database;
  const p = productCondition(db, filter);
  const w = spanIndex('window_start', spans);
  const e = spanIndex('event_time', spans);
  const [sales, people] = await Promise.all([
    queryRows<{ k: number; rev: string; pur: string; vw: string }>(
      store,
      `SELECT ${w.sql} AS k, toString(sum(revenue)) AS rev, sum(purchases) AS pur, sum(views) AS vw
       FROM ${db}.sales_per_product
       WHERE window_start >= toDateTime({lo:UInt32}, 'UTC') AND window_start < toDateTime({hi:UInt32}, 'UTC') AND k >= 0 AND ${p.sql}
       GROUP BY k`,
      { ...p.params, ...w.params },
    ),
    queryRows<{ k: number; buyers: string; orders: string }>(
      store,
      `SELECT ${e.sql} AS k, uniqExact(user_id) AS buyers,
              uniqExactIf((user_id, user_session), user_session != '')
                + uniqExactIf((event_time, product_id, category_id, category_code, brand, price, user_id), user_session = '') AS orders
       FROM ${db}.events
       WHERE event_type = 'purchase' AND event_time >= toDateTime({lo:UInt32}, 'UTC') AND event_time < toDateTime({hi:UInt32}, 'UTC')
         AND k >= 0 AND ${p.sql}
       GROUP BY k`,
      { ...p.params, ...e.params },
    ),
  ]);
  return spans.map((_, i) => {
    const s = sales.find((r) => num(r.k) === i);
    const u = people.find((r) => num(r.k) === i);
    const revenue = num(s?.rev ?? 0);
    const purchases = num(s?.pur ?? 0);
    const views = num(s?.vw ?? 0);
    const orders = num(u?.orders ?? 0);
    return {
      revenue,
      orders,
      buyers: num(u?.buyers ?? 0),
      purchases,
      views,
      // Whole cents first: Decimal text → cents is exact, so the rounding is the cents' own.
      avg_order_value: orders === 0 ? 0 : Math.round(Math.round(revenue * 100) / orders) / 100,
      conversion: views === 0 ? 0 : purchases / views,
    };
  });
}

/** Revenue and purchases per minute or hour of window start in [from, to), empty buckets as 0. */
export async function revenueSeries(store: Store, from: number, to: number, bucket: SeriesBucket, filter: ProductFilter = {}): Promise<RevenuePoint[]> {
  const db = store.database;
  const step = bucket === 'hour' ? 3600 : 60;
  const p = productCondition(db, filter);
  const rows = await queryRows<{ b: string; rev: string; pur: string }>(
    store,
    `SELECT toUnixTimestamp(b) AS b, toString(rev_sum) AS rev, pur_sum AS pur FROM (
       SELECT toStartOfInterval(window_start, toIntervalSecond({step:UInt32}), 'UTC') AS b, sum(revenue) AS rev_sum, sum(purchases) AS pur_sum
       FROM ${db}.sales_per_product
       WHERE window_start >= toDateTime({from:UInt32}, 'UTC') AND window_start < toDateTime({to:UInt32}, 'UTC') AND ${p.sql}
       GROUP BY b
       ORDER BY b WITH FILL FROM toDateTime({first:UInt32}, 'UTC') TO toDateTime({to:UInt32}, 'UTC') STEP {step:UInt32})`,
    { ...p.params, from: seconds(from), to: Math.ceil(to / 1000), first: Math.floor(from / 1000 / step) * step, step },
  );
  return rows.map((x) => ({ start: isoSecondsOfSeconds(num(x.b)), revenue: num(x.rev), purchases: num(x.pur) }));
}

/**
 * How far event time has got, from one look at the store: the newest event in the events table and
 * the end of the newest final window (the results up to there will not change). Epoch ms; null
 * while there is none.
 */
export async function eventTimeProgress(store: Store): Promise<{ newest: number | null; finalThrough: number | null }> {
  const db = store.database;
  // max() of the events table's partition key column is answered from the parts' min/max index; the
  // final windows are looked for in the newest day of windows only.
  const [row] = await queryRows<{ newest: string; final: string }>(
    store,
    `SELECT (SELECT toUnixTimestamp(max(event_time)) FROM ${db}.events_data) AS newest,
            (SELECT toUnixTimestamp(max(window_end)) FROM ${db}.sales_per_product
             WHERE is_final = 1 AND window_start >= (SELECT max(window_start) FROM ${db}.sales_per_product_partials) - INTERVAL 1 DAY) AS final`,
  );
  const ms = (v: string | undefined) => (v === undefined || num(v) === 0 ? null : num(v) * 1000);
  return { newest: ms(row?.newest), finalThrough: ms(row?.final) };
}
