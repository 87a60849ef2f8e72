// Sales over the windows: top products, a product's series, revenue per minute or hour, the
// funnel, and the partial rows the live view starts from. Bound parameters only; the database
// name is the validated namespace. Ids leave as strings, money as numbers in currency units,
// times as ISO 8601 text.
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';
import { productCondition, rangeCondition, secondsOfMs, type ProductFilter, type WindowRange } from './query-conditions.ts';
import { productLabels } from './product-queries.ts';
import { isoSecondsOfSeconds } from '../core/time-format.ts';

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

export type SeriesBucket = 'minute' | 'hour';

export interface RevenuePoint {
  start: string;
  revenue: number;
  purchases: number;
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

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

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
    revenue: Number(x.rev),
    purchases: Number(x.pur),
    views: Number(x.vw),
    carts: Number(x.ct),
    removals: Number(x.rm),
  }));
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
  return rows.map((x) => ({ window_start: isoSecondsOfSeconds(Number(x.ws)), revenue: Number(x.rev), purchases: Number(x.purchases), views: Number(x.views) }));
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
  return rows.map((x) => ({ minute: isoSecondsOfSeconds(Number(x.m)), revenue: Number(x.rev), purchases: Number(x.pur) }));
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
    { ...p.params, from: secondsOfMs(from), to: Math.ceil(to / 1000), first: Math.floor(from / 1000 / step) * step, step },
  );
  return rows.map((x) => ({ start: isoSecondsOfSeconds(Number(x.b)), revenue: Number(x.rev), purchases: Number(x.pur) }));
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
  const views = Number(row?.v ?? 0);
  const carts = Number(row?.c ?? 0);
  const purchases = Number(row?.p ?? 0);
  return {
    views,
    carts,
    purchases,
    view_to_cart: ratio(carts, views),
    cart_to_purchase: ratio(purchases, carts),
    view_to_purchase: ratio(purchases, views),
  };
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
    window_start: isoSecondsOfSeconds(Number(x.ws)),
    window_end: isoSecondsOfSeconds(Number(x.we)),
    product_id: x.pid,
    partition: Number(x.part),
    revenue: Number(x.rev),
    purchases: Number(x.purchases),
    views: Number(x.views),
    carts: Number(x.carts),
    removals: Number(x.removals),
    is_final: Number(x.fin) === 1,
    version: Number(x.version),
  }));
}
