// Customers' lifetime value: the leaderboard and the distribution of lifetime revenue. Ids leave
// as strings, money as numbers in currency units, times as ISO 8601 text.
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';
import { isoSecondsOfSeconds } from '../core/time-format.ts';

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
    revenue: Number(x.rev),
    purchases: Number(x.purchases),
    orders: Number(x.orders),
    avg_order_value: Number(x.aov),
    first_purchase_at: isoSecondsOfSeconds(Number(x.first)),
    last_purchase_at: isoSecondsOfSeconds(Number(x.last)),
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
  if (!top || Number(top.n) === 0) return [];
  const width = Math.max(1, Math.ceil((Number(top.max_cents) + 1) / buckets));
  const rows = await queryRows<{ b: string; users: string }>(
    store,
    `SELECT least(intDiv(toUInt64(revenue * 100), {width:UInt64}), {last:UInt32}) AS b, count() AS users
     FROM ${db}.customer_lifetime_value GROUP BY b`,
    { width, last: buckets - 1 },
  );
  const users = new Map(rows.map((x) => [Number(x.b), Number(x.users)]));
  return Array.from({ length: buckets }, (_, i) => ({ lower: (i * width) / 100, upper: ((i + 1) * width) / 100, users: users.get(i) ?? 0 }));
}
