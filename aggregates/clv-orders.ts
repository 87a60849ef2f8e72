// The orders of the predictive lifetime value, read from the public `events` view: per purchasing
// customer, the orders whose purchases came before an instant. An order is a distinct non-empty
// session with a purchase, or a purchase without a session on its own; its time is its first
// purchase's, its value the sum of its purchases' prices. Exact duplicates (all nine fields equal)
// count once, as in every aggregate (docs/design.md). The statements are plain read-only SELECTs
// with bound parameters, so they run on a store opened here or through a running start's query
// endpoint alike; rows leave as JSONEachRow lines, one customer each, read as they arrive.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

/** A read-only statement and its bound parameters (`{name:Type}`, valued as text). */
export interface BoundStatement {
  sql: string;
  params: Record<string, string>;
}

/** One order: its time (epoch ms) and its value (currency units). */
export interface ClvOrder {
  at: number;
  value: number;
}

/** A purchasing customer's orders, in time order (at the same second, the smaller value first). */
export interface CustomerOrders {
  userId: string;
  orders: ClvOrder[];
}

/** Per customer (by user id), the orders of the purchases with event time before `beforeMs`. */
export function customerOrdersStatement(database: string, beforeMs: number): BoundStatement {
  const sql = `WITH purchases AS (
    SELECT DISTINCT event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session
    FROM ${database}.events
    WHERE event_type = 'purchase' AND event_time < fromUnixTimestamp64Milli({before:Int64}, 'UTC')
  ), orders AS (
    SELECT user_id, min(event_time) AS at, sum(price) AS value FROM purchases WHERE user_session != '' GROUP BY user_id, user_session
    UNION ALL
    SELECT user_id, event_time AS at, toDecimal128(price, 2) AS value FROM purchases WHERE user_session = ''
  )
  SELECT toString(user_id) AS uid, arrayMap(o -> o.1, sorted) AS at_seconds, arrayMap(o -> o.2, sorted) AS value_cents
  FROM (
    SELECT user_id, arraySort(groupArray((toUInt32(toUnixTimestamp(at)), toInt64(value * 100)))) AS sorted
    FROM orders GROUP BY user_id
  )
  ORDER BY user_id`;
  return { sql, params: { before: String(Math.floor(beforeMs)) } };
}

/** The newest event time in the store and how many events it holds. */
export function newestEventStatement(database: string): BoundStatement {
  return { sql: `SELECT toUInt32(toUnixTimestamp(max(event_time))) AS newest, count() AS events FROM ${database}.events`, params: {} };
}

/** JSONEachRow lines out of chunks that split lines anywhere. */
export async function* jsonLines<T>(chunks: AsyncIterable<Buffer>): AsyncIterable<T> {
  const lines = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== '') yield JSON.parse(line) as T;
}

interface CustomerOrdersLine {
  uid: string;
  at_seconds: Array<number | string>;
  value_cents: Array<number | string>;
}

/** The customers of `customerOrdersStatement`'s answer, one at a time. */
export async function* customerOrdersOf(chunks: AsyncIterable<Buffer>): AsyncIterable<CustomerOrders> {
  for await (const row of jsonLines<CustomerOrdersLine>(chunks)) {
    yield {
      userId: row.uid,
      orders: row.at_seconds.map((seconds, i) => ({ at: Number(seconds) * 1000, value: Number(row.value_cents[i]) / 100 })),
    };
  }
}

/** The newest event time (epoch ms) of `newestEventStatement`'s answer; undefined when the store holds no event. */
export async function newestEventOf(chunks: AsyncIterable<Buffer>): Promise<number | undefined> {
  for await (const row of jsonLines<{ newest: number | string; events: number | string }>(chunks)) {
    return Number(row.events) > 0 ? Number(row.newest) * 1000 : undefined;
  }
  return undefined;
}
