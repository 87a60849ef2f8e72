// Cart abandonment over spans of event time, from the final sessions: the totals of a span, the
// series per hour of session end and the products most left in carts. A session belongs to the
// span its last event (session_end) falls in. With a brand or category, the sessions counted are
// those that carted one of its products (so sessions equals sessions_with_cart), abandoned ones
// are those of them without any purchase, and the abandoned value is that of its products left in
// carts. Bound parameters only; money as numbers in currency units, times as ISO 8601 text.
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';
import { productCondition, secondsOfMs, type ProductFilter } from './query-conditions.ts';
import type { TimeSpan } from './kpi-queries.ts';
import { productLabels } from './product-queries.ts';
import { isoSecondsOfSeconds } from '../core/time-format.ts';

export interface Abandonment {
  sessions: number;
  /** Sessions with at least one cart event. */
  sessions_with_cart: number;
  sessions_with_purchase: number;
  /** Sessions with a cart and no purchase. */
  abandoned: number;
  /** abandoned / sessions_with_cart (0 without carts). */
  abandonment_rate: number;
  /** Each product carted and not bought in a session at its latest cart price, summed. */
  abandoned_value: number;
}

export interface AbandonmentHour extends Abandonment {
  hour: string;
}

export interface AbandonedProduct {
  product_id: string;
  /** The product's most frequent brand and category code in the events table ('' when none). */
  brand: string;
  category_code: string;
  sessions_carted: number;
  sessions_abandoned: number;
  abandoned_value: number;
}

const HOUR_S = 3600;

/** Sessions (or session products) whose session_end lies in [from, to). */
function endedIn(span: TimeSpan): { sql: string; params: Record<string, number> } {
  return {
    sql: `session_end >= toDateTime({from:UInt32}, 'UTC') AND session_end < toDateTime({to:UInt32}, 'UTC')`,
    params: { from: secondsOfMs(span.from), to: Math.max(0, Math.ceil(span.to / 1000)) },
  };
}

/**
 * SELECT … FROM sessions of the span grouped by `bucket` (an expression of session_end): the
 * counts and the abandoned value, whose text keeps the cents exact.
 */
function abandonmentQuery(db: string, span: TimeSpan, filter: ProductFilter, bucket: string) {
  const r = endedIn(span);
  const p = productCondition(db, filter);
  if (p.sql === '1') {
    return {
      sql: `SELECT ${bucket} AS b, count() AS n, countIf(carts > 0) AS carted, countIf(purchases > 0) AS bought,
                   sum(abandoned) AS dropped, toString(sum(abandoned_value)) AS value
            FROM ${db}.sessions WHERE ${r.sql} GROUP BY b`,
      params: r.params,
    };
  }
  // The filter's products carted per session, with their abandoned value there.
  return {
    sql: `SELECT ${bucket} AS b, count() AS n, countIf(carts > 0) AS carted, countIf(purchases > 0) AS bought,
                 sum(abandoned) AS dropped, toString(sum(products_value)) AS value
          FROM ${db}.sessions AS s
          INNER JOIN (SELECT user_id, user_session, session_start, sum(abandoned_value) AS products_value
                      FROM ${db}.session_products WHERE ${r.sql} AND ${p.sql}
                      GROUP BY user_id, user_session, session_start) AS sp
            USING (user_id, user_session, session_start)
          WHERE ${r.sql} GROUP BY b`,
    params: { ...r.params, ...p.params },
  };
}

interface AbandonmentRow {
  b: string;
  n: string;
  carted: string;
  bought: string;
  dropped: string;
  value: string;
}

function abandonmentOf(row: AbandonmentRow | undefined): Abandonment {
  const withCart = Number(row?.carted ?? 0);
  const abandoned = Number(row?.dropped ?? 0);
  return {
    sessions: Number(row?.n ?? 0),
    sessions_with_cart: withCart,
    sessions_with_purchase: Number(row?.bought ?? 0),
    abandoned,
    abandonment_rate: withCart === 0 ? 0 : abandoned / withCart,
    abandoned_value: Number(row?.value ?? 0),
  };
}

/** The abandonment of each span (in the order given), optionally of some products. */
export async function abandonment(store: Store, spans: TimeSpan[], filter: ProductFilter = {}): Promise<Abandonment[]> {
  return Promise.all(
    spans.map(async (span) => {
      const q = abandonmentQuery(store.database, span, filter, '0');
      const [row] = await queryRows<AbandonmentRow>(store, q.sql, q.params);
      return abandonmentOf(row);
    }),
  );
}

/** The abandonment per hour of session end over the span, every hour present (empty ones as 0). */
export async function abandonmentPerHour(store: Store, span: TimeSpan, filter: ProductFilter = {}): Promise<AbandonmentHour[]> {
  const q = abandonmentQuery(store.database, span, filter, 'toUnixTimestamp(toStartOfHour(session_end))');
  const rows = await queryRows<AbandonmentRow>(store, q.sql, q.params);
  const byHour = new Map(rows.map((r) => [Number(r.b), r]));
  const hours: AbandonmentHour[] = [];
  const to = Math.ceil(span.to / 1000);
  for (let h = Math.floor(secondsOfMs(span.from) / HOUR_S) * HOUR_S; h < to; h += HOUR_S) {
    hours.push({ hour: isoSecondsOfSeconds(h), ...abandonmentOf(byHour.get(h)) });
  }
  return hours;
}

/** Products by value left in carts of sessions ending in the span, labelled; those never abandoned left out. */
export async function topAbandonedProducts(store: Store, span: TimeSpan, limit: number, filter: ProductFilter = {}): Promise<AbandonedProduct[]> {
  const db = store.database;
  const r = endedIn(span);
  const p = productCondition(db, filter);
  const rows = await queryRows<{ pid: string; carted: string; dropped: string; value: string }>(
    store,
    // Aliases differ from the column names, so ORDER BY sorts the numbers, not their text.
    `SELECT toString(product_id) AS pid, count() AS carted, sum(abandoned) AS dropped, toString(sum(abandoned_value)) AS value
     FROM ${db}.session_products
     WHERE ${r.sql} AND ${p.sql}
     GROUP BY product_id
     HAVING dropped > 0
     ORDER BY sum(abandoned_value) DESC, dropped DESC, product_id ASC
     LIMIT {limit:UInt32}`,
    { ...r.params, ...p.params, limit },
  );
  const labels = await productLabels(store, rows.map((x) => x.pid));
  return rows.map((x) => ({
    product_id: x.pid,
    brand: labels.get(x.pid)?.brand ?? '',
    category_code: labels.get(x.pid)?.category_code ?? '',
    sessions_carted: Number(x.carted),
    sessions_abandoned: Number(x.dropped),
    abandoned_value: Number(x.value),
  }));
}
