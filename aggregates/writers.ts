// Writers of the public tables: engine rows in, ClickHouse rows out. Every table is keyed so a
// re-insert after a crash replaces rather than adds (versioned upserts).
//
// Rows go out as TabSeparated bytes written straight from the engine's rows: no per-row
// objects, strings or JSON on the hot path (measured: see BENCHMARKS.md).
import type { RejectedRow, ShopEvent } from '../core/event.ts';
import { TabSeparatedWriter } from './tab-separated.ts';
import type { CustomerRow, LateRow, SalesRow } from './table-rows.ts';
import type { Store } from './store.ts';

const EVENT_COLUMNS = ['event_time', 'event_type', 'product_id', 'category_id', 'category_code', 'brand', 'price', 'user_id', 'user_session', 'source_file', 'source_line'];

function eventCells(out: TabSeparatedWriter, e: ShopEvent): TabSeparatedWriter {
  return out
    .seconds(e.event_time)
    .text(e.event_type)
    .id(e.product_id)
    .id(e.category_id)
    .text(e.category_code)
    .text(e.brand)
    .cents(e.price_cents)
    .id(e.user_id)
    .text(e.user_session)
    .text(e.source_file)
    .int(e.source_line);
}

/** Bytes of text one insert holds at most: a larger output (the burst at the end of input) goes in several. */
const INSERT_MAX_BYTES = 16 * 1024 * 1024;

async function insert<T>(store: Store, table: string, columns: string[], rows: T[], row: (out: TabSeparatedWriter, row: T) => void): Promise<void> {
  const out = new TabSeparatedWriter();
  for (const r of rows) {
    row(out, r);
    out.endRow();
    if (out.byteLength >= INSERT_MAX_BYTES) {
      await store.insertTabSeparated(table, columns, out.toBuffer());
      out.clear();
    }
  }
  if (out.rows > 0) await store.insertTabSeparated(table, columns, out.toBuffer());
}

const ARCHIVE_COLUMNS = [...EVENT_COLUMNS, 'ingested_at'];

/**
 * The rows of the raw archive between two flushes, kept as the TabSeparated bytes of the insert
 * rather than as events: an event then dies right after the engine has processed it, and the
 * young generation stays small (holding the events until the flush made a fifth of the
 * aggregator's time garbage collection).
 */
export class ArchiveRows {
  private readonly out = new TabSeparatedWriter(1024 * 1024);

  get length(): number {
    return this.out.rows;
  }

  add(e: ShopEvent): void {
    eventCells(this.out, e).secondsWithMillis(e.ingested_at);
    this.out.endRow();
  }

  /** Empty again; the buffer is kept. */
  clear(): void {
    this.out.clear();
  }

  /** The text of the insert: whole lines. */
  text(): Buffer {
    return this.out.toBuffer();
  }

  /** One line per row, in order (to find a row the store refuses). */
  rows(): string[] {
    return this.out.lines();
  }
}

/** The source file and line of an archive row, from its text (columns 10 and 11). */
export function archiveRowSource(row: string): { sourceFile: string; sourceLine: number } {
  const cells = row.split('\t');
  const unescape = (v: string) => v.replace(/\\(.)/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
  return { sourceFile: unescape(cells[9] ?? ''), sourceLine: Number(cells[10]) };
}

/** Writes the archive; rows the store refuses for their data are found line by line (see writeBisecting). */
export async function writeArchive(store: Store, archive: ArchiveRows, refused: (row: string, reason: string) => void): Promise<void> {
  if (archive.length === 0) return;
  try {
    await store.insertTabSeparated('events_data', ARCHIVE_COLUMNS, archive.text());
  } catch (err) {
    if (!isDataError(err)) throw err;
    await writeBisecting((rows) => store.insertTabSeparated('events_data', ARCHIVE_COLUMNS, Buffer.from(rows.join('\n') + '\n')), archive.rows(), refused);
  }
}

export function writeSales(store: Store, rows: SalesRow[]) {
  return insert(
    store,
    'sales_per_product_partials',
    ['window_start', 'window_end', 'product_id', 'source_partition', 'revenue', 'purchases', 'views', 'carts', 'removals', 'is_final', 'version'],
    rows,
    (out, r) =>
      out
        .seconds(r.windowStart)
        .seconds(r.windowEnd)
        .id(r.productId)
        .int(r.partition)
        .cents(r.revenueCents)
        .int(r.purchases)
        .int(r.views)
        .int(r.carts)
        .int(r.removals)
        .int(r.isFinal ? 1 : 0)
        .int(r.version),
  );
}

export function writeCustomers(store: Store, rows: CustomerRow[]) {
  return insert(
    store,
    'customer_lifetime_value_versions',
    ['user_id', 'revenue', 'purchases', 'orders', 'first_purchase_at', 'last_purchase_at', 'avg_order_value', 'version'],
    rows,
    (out, r) =>
      out
        .id(r.userId)
        .cents(r.revenueCents)
        .int(r.purchases)
        .int(r.orders)
        .seconds(r.firstPurchaseAt)
        .seconds(r.lastPurchaseAt)
        .cents(r.avgOrderValueCents)
        .int(r.version),
  );
}

export function writeLate(store: Store, rows: LateRow[]) {
  return insert(store, 'late_events_data', [...EVENT_COLUMNS, 'window_start', 'watermark'], rows, (out, r) => eventCells(out, r.event).seconds(r.windowStart).seconds(r.watermark));
}

export function writeRejected(store: Store, rows: RejectedRow[]) {
  return insert(store, 'rejected_events_data', ['source_file', 'source_line', 'raw_line', 'reason', 'rejected_at'], rows, (out, r) =>
    out.text(r.source_file).int(r.source_line).text(r.raw_line).text(r.reason).secondsWithMillis(r.rejected_at),
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
