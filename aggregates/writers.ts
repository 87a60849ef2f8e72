// Writers of the public tables (the engine's ResultTables): engine rows in, ClickHouse rows out.
// Every table is keyed so a re-insert after a crash replaces rather than adds (versioned upserts).
//
// Rows go out as blocks of the Native format written straight from the engine's rows: no per-row
// objects, strings or text on the hot path.
import type { RejectedRow, ShopEvent } from '../core/event.ts';
import { NativeBlockWriter, NativeValueError, type NativeBlock, type NativeType } from './native-block.ts';
import { columns, insertRows } from './native-insert.ts';
import { latestClvModel, writeForecasts } from './clv-tables.ts';
import { writeClvModels } from './clv-model-writer.ts';
import { sessionKey, type ClvModelRow, type CustomerForecastRow, type CustomerRow, type LateRow, type SalesRow, type SessionRow } from '../core/result-rows.ts';
import type { Store } from './store.ts';

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

const EVENTS_COLUMNS = columns([...EVENT_COLUMNS, ['ingested_at', "DateTime64(3, 'UTC')"]]);

/** An event whose values the events table's columns cannot hold, and why (a rejected row to be). */
export interface RejectedEvent {
  event: ShopEvent;
  reason: string;
}

/**
 * The rows of the events table between two flushes, kept as the insert's columns rather than as
 * events: an event then dies right after the engine has processed it, and the young generation
 * stays small (events held until the flush would outlive young collections). An event a column
 * cannot hold is kept aside, rejected.
 */
export class EventRows {
  private readonly out = new NativeBlockWriter(EVENTS_COLUMNS);
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

/** Event rows that write themselves to the store's events table: the engine's EventBuffer. */
class StoreEventRows extends EventRows {
  constructor(private readonly store: Store) {
    super();
  }

  /** Each event a column could not hold goes to `reject` with its reason. */
  async write(reject: (event: ShopEvent, reason: string) => void): Promise<void> {
    for (const r of this.rejected) reject(r.event, r.reason);
    if (this.length > 0) await this.store.insertNative('events_data', this.block());
  }
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

const LATE_COLUMNS = columns([...EVENT_COLUMNS, ['window_start', DATE_TIME], ['watermark', DATE_TIME], ['late_for', 'String']]);

const SESSION_COLUMNS = columns([
  ['session_key', 'String'],
  ['user_id', 'UInt64'],
  ['user_session', 'String'],
  ['session_start', DATE_TIME],
  ['session_end', DATE_TIME],
  ['events', 'UInt64'],
  ['views', 'UInt64'],
  ['carts', 'UInt64'],
  ['removals', 'UInt64'],
  ['purchases', 'UInt64'],
  ['cart_value', 'Decimal(18, 2)'],
  ['purchase_value', 'Decimal(18, 2)'],
  ['products_carted', 'UInt64'],
  ['products_purchased', 'UInt64'],
  ['abandoned', 'UInt8'],
  ['abandoned_value', 'Decimal(18, 2)'],
  ['is_final', 'UInt8'],
  ['source_partition', 'UInt32'],
  ['version', 'UInt64'],
]);

const SESSION_PRODUCT_COLUMNS = columns([
  ['user_id', 'UInt64'],
  ['user_session', 'String'],
  ['session_start', DATE_TIME],
  ['session_end', DATE_TIME],
  ['product_id', 'UInt64'],
  ['carts', 'UInt64'],
  ['purchased', 'UInt8'],
  ['abandoned', 'UInt8'],
  ['abandoned_value', 'Decimal(18, 2)'],
  ['source_partition', 'UInt32'],
  ['version', 'UInt64'],
]);

const REJECTED_COLUMNS = columns([
  ['source_file', 'String'],
  ['source_file_id', 'String'],
  ['source_line', 'UInt64'],
  ['raw_line', 'String'],
  ['reason', 'String'],
  ['rejected_at', "DateTime64(3, 'UTC')"],
]);

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

/** The engine's result tables (stream/result-tables.ts) in this store. */
export class StoreTables {
  constructor(private readonly store: Store) {}

  eventBuffer(): StoreEventRows {
    return new StoreEventRows(this.store);
  }

  writeSales(rows: SalesRow[]): Promise<void> {
    return insertRows(this.store, 'sales_per_product_partials', SALES_COLUMNS, rows, (out, r) =>
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

  writeCustomers(rows: CustomerRow[]): Promise<void> {
    return insertRows(this.store, 'customer_lifetime_value_versions', CUSTOMER_COLUMNS, rows, (out, r) =>
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

  writeLate(rows: LateRow[]): Promise<void> {
    return insertRows(this.store, 'late_events_data', LATE_COLUMNS, rows, (out, r) => eventCells(out, r.event).seconds(r.windowStart).seconds(r.watermark).text(r.lateFor));
  }

  /** Final sessions, and the products carted in each. */
  async writeSessions(rows: SessionRow[]): Promise<void> {
    await insertRows(this.store, 'sessions_data', SESSION_COLUMNS, rows, (out, r) =>
      out
        .text(sessionKey(r))
        .id(r.userId)
        .text(r.userSession)
        .seconds(r.sessionStart)
        .seconds(r.sessionEnd)
        .uint(r.events)
        .uint(r.views)
        .uint(r.carts)
        .uint(r.removals)
        .uint(r.purchases)
        .cents(r.cartValueCents)
        .cents(r.purchaseValueCents)
        .uint(r.productsCarted)
        .uint(r.productsPurchased)
        .uint(r.abandoned ? 1 : 0)
        .cents(r.abandonedValueCents)
        .uint(1)
        .uint(r.sourcePartition)
        .uint(r.version),
    );
    const products = rows.flatMap((session) => session.products.map((product) => ({ session, product })));
    await insertRows(this.store, 'session_products_data', SESSION_PRODUCT_COLUMNS, products, (out, { session: r, product: p }) =>
      out
        .id(r.userId)
        .text(r.userSession)
        .seconds(r.sessionStart)
        .seconds(r.sessionEnd)
        .id(p.productId)
        .uint(p.carts)
        .uint(p.purchased ? 1 : 0)
        .uint(p.abandoned ? 1 : 0)
        .cents(p.abandonedValueCents)
        .uint(r.sourcePartition)
        .uint(r.version),
    );
  }

  writeForecasts(rows: CustomerForecastRow[]): Promise<void> {
    return writeForecasts(this.store, rows);
  }

  writeClvModels(rows: ClvModelRow[]): Promise<void> {
    return writeClvModels(this.store, rows);
  }

  latestClvModel(): Promise<ClvModelRow | undefined> {
    return latestClvModel(this.store, 'stream');
  }

  writeRejected(rows: RejectedRow[]): Promise<void> {
    return insertRows(this.store, 'rejected_events_data', REJECTED_COLUMNS, rows, (out, r) =>
      out.text(r.source_file).text(r.source_file_id).uint(r.source_line).text(r.raw_line).text(r.reason).millis(r.rejected_at),
    );
  }

  isDataError(err: unknown): boolean {
    const type = (err as { type?: unknown } | null)?.type;
    return typeof type === 'string' && DATA_ERRORS.has(type);
  }
}
