// Read queries of the dashboard over the public views (and the partial sales rows for the live
// view). Bound parameters only ({name:Type}); the database name is the validated namespace.
// Ids leave as strings, money as numbers in currency units, times as ISO 8601 text.
import type { Store } from './store.ts';
import { queryRows } from './queries.ts';
import { productLabels } from './product-labels.ts';
import { isoSecondsOfSeconds } from '../core/time-format.ts';

/** Which windows a sales query covers: the latest N, a time range of window starts, or all. */
export type WindowRange = { kind: 'latest'; windows: number } | { kind: 'time'; from: number; to: number } | { kind: 'all' };

export interface TopProduct {
  product_id: string;
  /** The product's most frequent brand and category code in the events table ('' when none). */
  brand: string;
  category_code: string;
  revenue: number;
  purchases: number;
  views: number;
  carts: number;
  removals: number;
}

export interface ProductFilter {
  brand?: string;
  category?: string;
}

export interface SeriesPoint {
  window_start: string;
  revenue: number;
  purchases: number;
  views: number;
}

export interface MinutePoint {
  minute: string;
  revenue: number;
  purchases: number;
}

export interface CustomerValue {
  user_id: string;
  revenue: number;
  purchases: number;
  orders: number;
  avg_order_value: number;
  first_purchase_at: string;
  last_purchase_at: string;
}

export interface Bucket {
  lower: number;
  upper: number;
  users: number;
}

export interface Funnel {
  views: number;
  carts: number;
  purchases: number;
  view_to_cart: number;
  cart_to_purchase: number;
  view_to_purchase: number;
}

/** One partition's partial result of a (window, product), as the live view merges them. */
export interface LiveSalesRow {
  window_start: string;
  window_end: string;
  product_id: string;
  partition: number;
  revenue: number;
  purchases: number;
  views: number;
  carts: number;
  removals: number;
  is_final: boolean;
  version: number;
}

const num = (v: string | number): number => Number(v);
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function rangeCondition(db: string, range: WindowRange): { sql: string; params: Record<string, unknown> } {
  if (range.kind === 'latest') {
    // Any partial row names its window; the latest N distinct window starts.
    return {
      sql: `window_start >= (SELECT min(ws) FROM (SELECT DISTINCT window_start AS ws FROM ${db}.sales_per_product_partials
                                                   ORDER BY ws DESC LIMIT {windows:UInt32}))`,
      params: { windows: range.windows },
    };
  }
  if (range.kind === 'time') {
    return {
      sql: `window_start >= toDateTime({from:UInt32}, 'UTC') AND window_start < toDateTime({to:UInt32}, 'UTC')`,
      params: { from: Math.floor(range.from / 1000), to: Math.ceil(range.to / 1000) },
    };
  }
  return { sql: '1', params: {} };
}

/** Products whose events carry this brand / category (code, a dotted prefix of it, or the id). */
export function productCondition(db: string, filter: ProductFilter): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.brand) {
    where.push('brand = {brand:String}');
    params.brand = filter.brand;
  }
  if (filter.category) {
    if (/^\d{1,20}$/.test(filter.category)) where.push('category_id = {category:UInt64}');
    else where.push('(category_code = {category:String} OR startsWith(category_code, {categoryPrefix:String}))');
    params.category = filter.category;
    params.categoryPrefix = `${filter.category}.`;
  }
  if (where.length === 0) return { sql: '1', params };
  return { sql: `product_id IN (SELECT DISTINCT product_id FROM ${db}.events WHERE ${where.join(' AND ')})`, params };
}

export async function topProducts(store: Store, range: WindowRange, limit: number, filter: ProductFilter = {}): Promise<TopProduct[]> {
  const db = store.database;
  const r = rangeCondition(db, range);
  const p = productCondition(db, filter);
  const rows = await queryRows<{ pid: string; rev: string; pur: string; vw: string; ct: string; rm: string }>(
    store,
    // Aliases differ from the column names, so ORDER BY sorts the numbers, not their text.
    `SELECT toString(product_id) AS pid, toString(sum(revenue)) AS rev, sum(purchases) AS pur,
            sum(views) AS vw, sum(carts) AS ct, sum(removals) AS rm
     FROM ${db}.sales_per_product
     WHERE ${r.sql} AND ${p.sql}
     GROUP BY product_id
     ORDER BY sum(revenue) DESC, pur DESC, vw DESC, product_id ASC
     LIMIT {limit:UInt32}`,
    { ...r.params, ...p.params, limit },
  );
  const labels = await productLabels(store, rows.map((x) => x.pid));
  return rows.map((x) => ({
    product_id: x.pid,
    brand: labels.get(x.pid)?.brand ?? '',
    category_code: labels.get(x.pid)?.category_code ?? '',
    revenue: num(x.rev),
    purchases: num(x.pur),
    views: num(x.vw),
    carts: num(x.ct),
    removals: num(x.rm),
  }));
}

/** The end of the newest window in the store (epoch ms), or null when there is none. */
export async function latestWindowEnd(store: Store): Promise<number | null> {
  const [row] = await queryRows<{ n: string; hi: string }>(
    store,
    `SELECT count() AS n, toUnixTimestamp(max(window_end)) AS hi FROM ${store.database}.sales_per_product_partials`,
  );
  return row && num(row.n) > 0 ? num(row.hi) * 1000 : null;
}

export async function productSeries(store: Store, productId: string, from: number, to: number): Promise<SeriesPoint[]> {
  const db = store.database;
  const rows = await queryRows<{ ws: string; rev: string; purchases: string; views: string }>(
    store,
    `SELECT toUnixTimestamp(window_start) AS ws, toString(revenue) AS rev, purchases, views
     FROM ${db}.sales_per_product
     WHERE product_id = {product:UInt64}
       AND window_start >= toDateTime({from:UInt32}, 'UTC') AND window_start < toDateTime({to:UInt32}, 'UTC')
     ORDER BY window_start`,
    { product: productId, from: Math.floor(from / 1000), to: Math.ceil(to / 1000) },
  );
  return rows.map((x) => ({ window_start: isoSecondsOfSeconds(num(x.ws)), revenue: num(x.rev), purchases: num(x.purchases), views: num(x.views) }));
}

/** Revenue and purchases per minute of window start in [from, to), minutes without sales as 0; optionally of some products. */
export async function revenuePerMinute(store: Store, from: number, to: number, filter: ProductFilter = {}): Promise<MinutePoint[]> {
  const db = store.database;
  const fromMin = Math.floor(from / 60_000) * 60;
  const toMin = Math.ceil(to / 60_000) * 60;
  const p = productCondition(db, filter);
  const rows = await queryRows<{ m: string; rev: string; pur: string }>(
    store,
    `SELECT toUnixTimestamp(minute) AS m, toString(rev_sum) AS rev, pur_sum AS pur FROM (
       SELECT toStartOfMinute(window_start) AS minute, sum(revenue) AS rev_sum, sum(purchases) AS pur_sum
       FROM ${db}.sales_per_product
       WHERE window_start >= toDateTime({from:UInt32}, 'UTC') AND window_start < toDateTime({to:UInt32}, 'UTC') AND ${p.sql}
       GROUP BY minute
       ORDER BY minute WITH FILL FROM toDateTime({from:UInt32}, 'UTC') TO toDateTime({to:UInt32}, 'UTC') STEP 60)`,
    { ...p.params, from: fromMin, to: toMin },
  );
  return rows.map((x) => ({ minute: isoSecondsOfSeconds(num(x.m)), revenue: num(x.rev), purchases: num(x.pur) }));
}

export async function clvLeaderboard(store: Store, limit: number): Promise<CustomerValue[]> {
  const rows = await queryRows<{ uid: string; rev: string; purchases: string; orders: string; aov: string; first: string; last: string }>(
    store,
    `SELECT toString(user_id) AS uid, toString(revenue) AS rev, purchases, orders, toString(avg_order_value) AS aov,
            toUnixTimestamp(first_purchase_at) AS first, toUnixTimestamp(last_purchase_at) AS last
     FROM ${store.database}.customer_lifetime_value
     ORDER BY revenue DESC, user_id ASC
     LIMIT {limit:UInt32}`,
    { limit },
  );
  return rows.map((x) => ({
    user_id: x.uid,
    revenue: num(x.rev),
    purchases: num(x.purchases),
    orders: num(x.orders),
    avg_order_value: num(x.aov),
    first_purchase_at: isoSecondsOfSeconds(num(x.first)),
    last_purchase_at: isoSecondsOfSeconds(num(x.last)),
  }));
}

/**
 * Users per lifetime-revenue bucket: `buckets` equal-width buckets of whole cents, [lower, upper)
 * each, from 0 to just above the highest revenue. Empty store: [].
 */
export async function clvDistribution(store: Store, buckets: number): Promise<Bucket[]> {
  const db = store.database;
  const [top] = await queryRows<{ n: string; max_cents: string }>(
    store,
    `SELECT count() AS n, toString(toUInt64(max(revenue) * 100)) AS max_cents FROM ${db}.customer_lifetime_value`,
  );
  if (!top || num(top.n) === 0) return [];
  const width = Math.max(1, Math.ceil((num(top.max_cents) + 1) / buckets));
  const rows = await queryRows<{ b: string; users: string }>(
    store,
    `SELECT least(intDiv(toUInt64(revenue * 100), {width:UInt64}), {last:UInt32}) AS b, count() AS users
     FROM ${db}.customer_lifetime_value GROUP BY b`,
    { width, last: buckets - 1 },
  );
  const users = new Map(rows.map((x) => [num(x.b), num(x.users)]));
  return Array.from({ length: buckets }, (_, i) => ({ lower: (i * width) / 100, upper: ((i + 1) * width) / 100, users: users.get(i) ?? 0 }));
}

export async function funnel(store: Store, range: WindowRange, filter: ProductFilter = {}): Promise<Funnel> {
  const db = store.database;
  const r = rangeCondition(db, range);
  const p = productCondition(db, filter);
  const [row] = await queryRows<{ v: string; c: string; p: string }>(
    store,
    `SELECT sum(views) AS v, sum(carts) AS c, sum(purchases) AS p FROM ${db}.sales_per_product WHERE ${r.sql} AND ${p.sql}`,
    { ...r.params, ...p.params },
  );
  const views = num(row?.v ?? 0);
  const carts = num(row?.c ?? 0);
  const purchases = num(row?.p ?? 0);
  return {
    views,
    carts,
    purchases,
    view_to_cart: ratio(carts, views),
    cart_to_purchase: ratio(purchases, carts),
    view_to_purchase: ratio(purchases, views),
  };
}

/** Counts of the side outputs, for the health panel. */
export async function sideOutputCounts(store: Store): Promise<{ late: number; rejected: number }> {
  const db = store.database;
  const [row] = await queryRows<{ late: string; rejected: string }>(
    store,
    `SELECT (SELECT count() FROM ${db}.late_events) AS late, (SELECT count() FROM ${db}.rejected_events) AS rejected`,
  );
  return { late: num(row?.late ?? 0), rejected: num(row?.rejected ?? 0) };
}

/** Brands and category codes present in the events table, most frequent first. */
export async function filterOptions(store: Store, limit = 50): Promise<{ brands: string[]; categories: string[] }> {
  const db = store.database;
  const pick = (column: 'brand' | 'category_code') =>
    queryRows<{ v: string }>(
      store,
      `SELECT ${column} AS v FROM ${db}.events WHERE ${column} != '' GROUP BY v ORDER BY count() DESC, v ASC LIMIT {limit:UInt32}`,
      { limit },
    ).then((rows) => rows.map((x) => x.v));
  const [brands, categories] = await Promise.all([pick('brand'), pick('category_code')]);
  return { brands, categories };
}

/** Per-partition partial rows of the latest N windows: the live view's starting state. */
export async function livePartials(store: Store, windows: number): Promise<LiveSalesRow[]> {
  const db = store.database;
  const r = rangeCondition(db, { kind: 'latest', windows });
  const rows = await queryRows<{ ws: string; we: string; pid: string; part: number; rev: string; purchases: string; views: string; carts: string; removals: string; fin: number; version: string }>(
    store,
    `SELECT toUnixTimestamp(window_start) AS ws, toUnixTimestamp(window_end) AS we, toString(product_id) AS pid,
            source_partition AS part, toString(revenue) AS rev, purchases, views, carts, removals,
            is_final AS fin, toString(version) AS version
     FROM ${db}.sales_per_product_partials FINAL
     WHERE ${r.sql}`,
    r.params,
  );
  return rows.map((x) => ({
    window_start: isoSecondsOfSeconds(num(x.ws)),
    window_end: isoSecondsOfSeconds(num(x.we)),
    product_id: x.pid,
    partition: num(x.part),
    revenue: num(x.rev),
    purchases: num(x.purchases),
    views: num(x.views),
    carts: num(x.carts),
    removals: num(x.removals),
    is_final: num(x.fin) === 1,
    version: num(x.version),
  }));
}
