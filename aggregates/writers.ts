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

/** Lines joined into one chunk of an aggregate insert: large enough to skip the young generation. */
const INSERT_CHUNK_LINES = 4096;

async function insert<T>(store: Store, table: string, columns: string[], rows: T[], line: (row: T) => string): Promise<void> {
  if (rows.length === 0) return;
  // A line is a string of many parts; joined a chunk at a time, the parts die before a young
  // collection instead of being copied (all lines of a tick at once made a quarter of what the
  // aggregator's young collections copied).
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK_LINES) {
    chunks.push(rows.slice(i, i + INSERT_CHUNK_LINES).map(line).join('\n') + '\n');
  }
  await insertText(store, table, columns, chunks);
}

/** Inserts TabSeparated text given in chunks of whole lines, each ending with a newline. */
async function insertText(store: Store, table: string, columns: string[], chunks: string[]): Promise<void> {
  await store.client.insert({
    table: `${store.database}.${table}`,
    columns: columns as [string, ...string[]],
    // A byte stream with an encoding hands the strings on as they are: without one, Node turns
    // each into a Buffer, which the embedded engine's connection turns back into a string.
    values: Readable.from(chunks, { objectMode: false, encoding: 'utf8' }),
    format: 'TabSeparated',
  });
}

const ARCHIVE_COLUMNS = [...EVENT_COLUMNS, 'ingested_at'];
/** Lines joined into one chunk: the lines die young, and a chunk is one flat string. */
const ARCHIVE_CHUNK_LINES = 1024;

/**
 * The rows of the raw archive between two flushes, kept as the TabSeparated text of the insert
 * rather than as events: an event then dies right after the engine has processed it, and the
 * young generation stays small (holding the events until the flush made a fifth of the
 * aggregator's time garbage collection).
 */
export class ArchiveRows {
  private readonly chunks: string[] = [];
  private lines: string[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  add(e: ShopEvent): void {
    this.lines.push(`${eventCells(e)}\t${secondsWithMillis(e.ingested_at)}`);
    this.count += 1;
    if (this.lines.length >= ARCHIVE_CHUNK_LINES) this.seal();
  }

  /** The text of the insert, in chunks of whole lines. */
  text(): string[] {
    this.seal();
    return this.chunks;
  }

  /** One line per row, in order (to find a row the store refuses). */
  rows(): string[] {
    return this.text().flatMap((chunk) => chunk.slice(0, -1).split('\n'));
  }

  private seal(): void {
    if (this.lines.length === 0) return;
    this.chunks.push(this.lines.join('\n') + '\n');
    this.lines = [];
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
    await insertText(store, 'events_data', ARCHIVE_COLUMNS, archive.text());
  } catch (err) {
    if (!isDataError(err)) throw err;
    await writeBisecting((rows) => insertText(store, 'events_data', ARCHIVE_COLUMNS, [rows.join('\n') + '\n']), archive.rows(), refused);
  }
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
