// The analyst's KPI tiles over spans of event time: revenue, orders, buyers, average order value,
// view → purchase conversion. Revenue, purchases and views come from the windowed aggregates (the
// same numbers the charts and the funnel show); orders and buyers need users and sessions, so they
// come from the events table, exact duplicates counted once. Bound parameters only.
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';
import { productCondition, secondsOfMs, type ProductFilter } from './query-conditions.ts';

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

/** `multiIf(column in span 0, 0, column in span 1, 1, …, -1)` with the spans' bound parameters. */
function spanIndex(column: string, spans: TimeSpan[]): { sql: string; params: Record<string, number> } {
  const params: Record<string, number> = {};
  const arms = spans.map((s, i) => {
    params[`f${i}`] = secondsOfMs(s.from);
    params[`t${i}`] = Math.max(0, Math.ceil(s.to / 1000));
    return `${column} >= toDateTime({f${i}:UInt32}, 'UTC') AND ${column} < toDateTime({t${i}:UInt32}, 'UTC'), ${i}`;
  });
  params.lo = Math.min(...spans.map((s) => secondsOfMs(s.from)));
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
    const s = sales.find((r) => Number(r.k) === i);
    const u = people.find((r) => Number(r.k) === i);
    const revenue = Number(s?.rev ?? 0);
    const purchases = Number(s?.pur ?? 0);
    const views = Number(s?.vw ?? 0);
    const orders = Number(u?.orders ?? 0);
    return {
      revenue,
      orders,
      buyers: Number(u?.buyers ?? 0),
      purchases,
      views,
      // Whole cents first: Decimal text → cents is exact, so the rounding is the cents' own.
      avg_order_value: orders === 0 ? 0 : Math.round(Math.round(revenue * 100) / orders) / 100,
      conversion: views === 0 ? 0 : purchases / views,
    };
  });
}
