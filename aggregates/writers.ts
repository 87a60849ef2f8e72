// Writers of the public tables: engine rows in, ClickHouse rows out. Every table is keyed so a
// re-insert after a crash replaces rather than adds (versioned upserts).
//
// Rows go out as blocks of the Native format written straight from the engine's rows: no per-row
// objects, strings or text on the hot path (measured: see BENCHMARKS.md).
import type { RejectedRow, ShopEvent } from '../core/event.ts';
import { NativeBlockWriter, NativeValueError, type NativeBlock, type NativeColumn, type NativeType } from './native-block.ts';
import type { CustomerRow, LateRow, SalesRow } from './table-rows.ts';
import type { Store } from './store.ts';

const columns = (spec: [string, NativeType][]): NativeColumn[] => spec.map(([name, type]) => ({ name, type }));

const DATE_TIME = "DateTime('UTC')";
const EVENT_COLUMNS: [string, NativeType][] = [
  ['event_time', DATE_TIME],
  ['event_type', 'String'],
  ['product_id', 'UInt64'],
  ['category_id', 'UInt64'],
  ['category_code', 'String'],
  ['brand', 'String'],
  ['price', 'Decimal(12, 2)'],
  ['user_id', 'UInt64'],
  ['user_session', 'String'],
  ['source_file', 'String'],
  ['source_file_id', 'String'],
  ['source_line', 'UInt64'],
];

function eventCells(out: NativeBlockWriter, e: ShopEvent): NativeBlockWriter {
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
    .text(e.source_file_id)
    .uint(e.source_line);
}

/** Bytes one insert holds at most: a larger output (the burst at the end of input) goes in several. */
const INSERT_MAX_BYTES = 16 * 1024 * 1024;

async function insert<T>(store: Store, table: string, spec: NativeColumn[], rows: T[], row: (out: NativeBlockWriter, row: T) => void): Promise<void> {
  const out = new NativeBlockWriter(spec);
  for (const r of rows) {
    row(out, r);
    out.endRow();
    if (out.byteLength >= INSERT_MAX_BYTES) {
      await store.insertNative(table, out.block());
      out.clear();
    }
  }
  if (out.rows > 0) await store.insertNative(table, out.block());
}

const ARCHIVE_COLUMNS = columns([...EVENT_COLUMNS, ['ingested_at', "DateTime64(3, 'UTC')"]]);

/** An event whose values the events table's columns cannot hold, and why (a rejected row to be). */
export interface RejectedEvent {
  event: ShopEvent;
  reason: string;
}

/**
 * The rows of the events table between two flushes, kept as the insert's columns rather than as
 * events: an event then dies right after the engine has processed it, and the young generation
 * stays small (events held until the flush would outlive young collections: BENCHMARKS.md,
 * stop 15). An event a column cannot hold is kept aside, refused.
 */
export class EventRows {
  private readonly out = new NativeBlockWriter(ARCHIVE_COLUMNS);
  readonly rejected: RejectedEvent[] = [];

  get length(): number {
    return this.out.rows;
  }

  add(e: ShopEvent): void {
    try {
      eventCells(this.out, e).millis(e.ingested_at);
    } catch (err) {
      if (!(err instanceof NativeValueError)) throw err;
      this.out.abortRow();
      this.rejected.push({ event: e, reason: `the store refused the row: ${err.message}` });
      return;
    }
    this.out.endRow();
  }

  /** Empty again; the buffers are kept. */
  clear(): void {
    this.out.clear();
    this.rejected.length = 0;
  }

  /** The Native block of the rows (views of the buffers, valid until the next change). */
  block(): NativeBlock {
    return this.out.block();
  }
}

/** Writes the events table's rows; each event a column cannot hold goes to `reject` with its reason. */
export async function writeEvents(store: Store, events: EventRows, reject: (event: ShopEvent, reason: string) => void): Promise<void> {
  for (const r of events.rejected) reject(r.event, r.reason);
  if (events.length > 0) await store.insertNative('events_data', events.block());
}

const SALES_COLUMNS = columns([
  ['window_start', DATE_TIME],
  ['window_end', DATE_TIME],
  ['product_id', 'UInt64'],
  ['source_partition', 'UInt32'],
  ['revenue', 'Decimal(18, 2)'],
  ['purchases', 'UInt64'],
  ['views', 'UInt64'],
  ['carts', 'UInt64'],
  ['removals', 'UInt64'],
  ['is_final', 'UInt8'],
  ['version', 'UInt64'],
]);

export function writeSales(store: Store, rows: SalesRow[]) {
  return insert(store, 'sales_per_product_partials', SALES_COLUMNS, rows, (out, r) =>
    out
      .seconds(r.windowStart)
      .seconds(r.windowEnd)
      .id(r.productId)
      .uint(r.sourcePartition)
      .cents(r.revenueCents)
      .uint(r.purchases)
      .uint(r.views)
      .uint(r.carts)
      .uint(r.removals)
      .uint(r.isFinal ? 1 : 0)
      .uint(r.version),
  );
}

const CUSTOMER_COLUMNS = columns([
  ['user_id', 'UInt64'],
  ['revenue', 'Decimal(18, 2)'],
  ['purchases', 'UInt64'],
  ['orders', 'UInt64'],
  ['first_purchase_at', DATE_TIME],
  ['last_purchase_at', DATE_TIME],
  ['avg_order_value', 'Decimal(18, 2)'],
  ['version', 'UInt64'],
]);

export function writeCustomers(store: Store, rows: CustomerRow[]) {
  return insert(store, 'customer_lifetime_value_versions', CUSTOMER_COLUMNS, rows, (out, r) =>
    out
      .id(r.userId)
      .cents(r.revenueCents)
      .uint(r.purchases)
      .uint(r.orders)
      .seconds(r.firstPurchaseAt)
      .seconds(r.lastPurchaseAt)
      .cents(r.avgOrderValueCents)
      .uint(r.version),
  );
}

const LATE_COLUMNS = columns([...EVENT_COLUMNS, ['window_start', DATE_TIME], ['watermark', DATE_TIME]]);

export function writeLate(store: Store, rows: LateRow[]) {
  return insert(store, 'late_events_data', LATE_COLUMNS, rows, (out, r) => eventCells(out, r.event).seconds(r.windowStart).seconds(r.watermark));
}

const REJECTED_COLUMNS = columns([
  ['source_file', 'String'],
  ['source_file_id', 'String'],
  ['source_line', 'UInt64'],
  ['raw_line', 'String'],
  ['reason', 'String'],
  ['rejected_at', "DateTime64(3, 'UTC')"],
]);

export function writeRejected(store: Store, rows: RejectedRow[]) {
  return insert(store, 'rejected_events_data', REJECTED_COLUMNS, rows, (out, r) =>
    out.text(r.source_file).text(r.source_file_id).uint(r.source_line).text(r.raw_line).text(r.reason).millis(r.rejected_at),
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
 * it refuses are found, hands each to `reject` with the store's message, and writes the rest.
 * Other errors propagate for the caller's retry. Re-writing a half is safe: the tables are upserts.
 */
export async function writeBisecting<T>(write: (rows: T[]) => Promise<void>, rows: T[], reject: (row: T, reason: string) => void): Promise<void> {
  if (rows.length === 0) return;
  try {
    await write(rows);
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (rows.length === 1) return reject(rows[0]!, `the store refused the row: ${(err as Error).message.split('\n', 1)[0]!.trim()}`);
    const half = Math.ceil(rows.length / 2);
    await writeBisecting(write, rows.slice(0, half), reject);
    await writeBisecting(write, rows.slice(half), reject);
  }
}
