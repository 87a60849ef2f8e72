// Writers of the public tables: engine rows in, ClickHouse rows out. Every table is keyed so a
// re-insert after a crash replaces rather than adds (versioned upserts).
//
// Rows go out as one TabSeparated text per insert, built directly from the engine's rows: no
// per-row objects or JSON on the hot path (measured: see BENCHMARKS.md).
import { Readable } from 'node:stream';
import { formatCents, type RejectedRow, type ShopEvent } from '../core/event.ts';
import type { CustomerRow, LateRow, SalesRow } from './table-rows.ts';
import type { Store } from './store.ts';

/** DateTime columns take epoch seconds; DateTime64(3) takes them with a fraction. */
const seconds = (ms: number) => Math.floor(ms / 1000);
const secondsWithMillis = (ms: number) => (ms / 1000).toFixed(3);

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** TabSeparated text escaping; most values need none. */
export function tsv(value: string | null): string {
  if (value === null || value === '') return '';
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

const EVENT_COLUMNS = ['event_time', 'event_type', 'product_id', 'category_id', 'category_code', 'brand', 'price', 'user_id', 'user_session', 'source_file', 'source_line'];

function eventCells(e: ShopEvent): string {
  return `${seconds(e.event_time)}\t${e.event_type}\t${e.product_id}\t${e.category_id}\t${tsv(e.category_code)}\t${tsv(e.brand)}\t${formatCents(e.price_cents)}\t${e.user_id}\t${tsv(e.user_session)}\t${tsv(e.source_file)}\t${e.source_line}`;
}

async function insert<T>(store: Store, table: string, columns: string[], rows: T[], line: (row: T) => string): Promise<void> {
  if (rows.length === 0) return;
  const text = rows.map(line).join('\n') + '\n';
  await store.client.insert({
    table: `${store.database}.${table}`,
    columns: columns as [string, ...string[]],
    values: Readable.from([text], { objectMode: false }),
    format: 'TabSeparated',
  });
}

export function writeEvents(store: Store, events: ShopEvent[]) {
  return insert(store, 'events_data', [...EVENT_COLUMNS, 'ingested_at'], events, (e) => `${eventCells(e)}\t${secondsWithMillis(e.ingested_at)}`);
}

export function writeSales(store: Store, rows: SalesRow[]) {
  return insert(
    store,
    'sales_per_product_partials',
    ['window_start', 'window_end', 'product_id', 'source_partition', 'revenue', 'purchases', 'views', 'carts', 'removals', 'is_final', 'version'],
    rows,
    (r) =>
      `${seconds(r.windowStart)}\t${seconds(r.windowEnd)}\t${r.productId}\t${r.partition}\t${formatCents(r.revenueCents)}\t${r.purchases}\t${r.views}\t${r.carts}\t${r.removals}\t${r.isFinal ? 1 : 0}\t${r.version}`,
  );
}

export function writeCustomers(store: Store, rows: CustomerRow[]) {
  return insert(
    store,
    'customer_lifetime_value_versions',
    ['user_id', 'revenue', 'purchases', 'orders', 'first_purchase_at', 'last_purchase_at', 'avg_order_value', 'version'],
    rows,
    (r) =>
      `${r.userId}\t${formatCents(r.revenueCents)}\t${r.purchases}\t${r.orders}\t${seconds(r.firstPurchaseAt)}\t${seconds(r.lastPurchaseAt)}\t${formatCents(r.avgOrderValueCents)}\t${r.version}`,
  );
}

export function writeLate(store: Store, rows: LateRow[]) {
  return insert(store, 'late_events_data', [...EVENT_COLUMNS, 'window_start', 'watermark'], rows, (r) => `${eventCells(r.event)}\t${seconds(r.windowStart)}\t${seconds(r.watermark)}`);
}

export function writeRejected(store: Store, rows: RejectedRow[]) {
  return insert(
    store,
    'rejected_events_data',
    ['source_file', 'source_line', 'raw_line', 'reason', 'rejected_at'],
    rows,
    (r) => `${tsv(r.source_file)}\t${r.source_line}\t${tsv(r.raw_line)}\t${tsv(r.reason)}\t${secondsWithMillis(r.rejected_at)}`,
  );
}

/**
 * ClickHouse errors about the rows themselves (a value out of range, text that does not parse):
 * the same rows fail however often they are sent. Anything else (store away, network) may pass later.
 */
const DATA_ERRORS = new Set([
  'CANNOT_PARSE_TEXT',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME',
  'CANNOT_PARSE_NUMBER',
  'CANNOT_CONVERT_TYPE',
  'ARGUMENT_OUT_OF_BOUND',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'DECIMAL_OVERFLOW',
  'INCORRECT_DATA',
  'TYPE_MISMATCH',
  'TOO_LARGE_STRING_SIZE',
]);

export function isDataError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' && DATA_ERRORS.has(type);
}

/**
 * Writes the rows; when the store refuses them for their data, halves the batch until the rows
 * it refuses are found, hands each to `refused` with the store's message, and writes the rest.
 * Other errors propagate for the caller's retry. Re-writing a half is safe: the tables are upserts.
 */
export async function writeBisecting<T>(write: (rows: T[]) => Promise<void>, rows: T[], refused: (row: T, reason: string) => void): Promise<void> {
  if (rows.length === 0) return;
  try {
    await write(rows);
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (rows.length === 1) return refused(rows[0]!, `the store refused the row: ${(err as Error).message.split('\n', 1)[0]!.trim()}`);
    const half = Math.ceil(rows.length / 2);
    await writeBisecting(write, rows.slice(0, half), refused);
    await writeBisecting(write, rows.slice(half), refused);
  }
}
