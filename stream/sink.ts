// The sinks of the job: one tick's output into the public tables (the ResultTables it is given),
// and the sales and late rows to their Kafka topics for other consumers. A row the store refuses
// for its data becomes a rejected row (the store's message as reason) instead of failing the
// job; other errors propagate to the job's retry.
import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../core/logger.ts';
import type { RejectedRow } from '../core/event.ts';
import type { SalesRow, SessionRow } from '../core/result-rows.ts';
import { TextBytes } from '../core/text-bytes.ts';
import type { Emissions } from './partition-pipeline.ts';
import { aggregateRejection, eventRejection, jsonBigInt } from './rejections.ts';
import type { ResultTables } from './result-tables.ts';
import { withRetry, type WriteRetries } from './retry.ts';

/**
 * Writes the output; answers how many rows the store refused (written to rejected_events). The
 * aggregates go first and `aggregatesStored` runs as soon as they are in (the live push need not
 * wait for the events table, the largest insert); the events follow.
 */
export async function writeOutputs(tables: ResultTables, out: Emissions, rejected: RejectedRow[], logger: Logger, aggregatesStored: () => void = () => undefined): Promise<number> {
  const storeRejected: RejectedRow[] = [];
  const dropRejected = (row: RejectedRow, reason: string) => logger.error({ row, reason }, 'the store refuses a rejected row; it is only logged');
  const bisecting = <T>(write: (rows: T[]) => Promise<void>, rows: T[], reject: (row: T, reason: string) => void) =>
    writeBisecting(write, rows, reject, (err) => tables.isDataError(err));
  await Promise.all([
    bisecting((rows) => tables.writeSales(rows), out.sales, (r, reason) => storeRejected.push(aggregateRejection(`sales_per_product:${r.windowStart}:${r.productId}`, r, reason))),
    bisecting((rows) => tables.writeCustomers(rows), out.customers, (r, reason) => storeRejected.push(aggregateRejection(`customer_lifetime_value:${r.userId}`, r, reason))),
    bisecting((rows) => tables.writeLate(rows), out.late, (r, reason) => storeRejected.push(eventRejection(r.event, `late event: ${reason}`))),
    bisecting((rows) => tables.writeSessions(rows), out.sessions, (r, reason) => storeRejected.push(aggregateRejection(`sessions:${r.userId}:${r.userSession}:${r.sessionStart}`, r, reason))),
    bisecting((rows) => tables.writeForecasts(rows), out.forecasts, (r, reason) => storeRejected.push(aggregateRejection(`customer_value_forecast:${r.userId}`, r, reason))),
    bisecting((rows) => tables.writeClvModels(rows), out.clvModels, (r, reason) => logger.error({ row: r, reason }, 'the store refuses a lifetime-value model row; it is only logged')),
    bisecting((rows) => tables.writeRejected(rows), rejected, dropRejected),
  ]);
  aggregatesStored();
  await out.events.write((event, reason) => storeRejected.push(eventRejection(event, reason)));
  if (storeRejected.length === 0) return 0;
  logger.warn({ rows: storeRejected.length, first: storeRejected[0]!.reason }, 'the store refused rows; kept in rejected_events');
  await bisecting((rows) => tables.writeRejected(rows), storeRejected, dropRejected);
  return storeRejected.length;
}

/**
 * Writes the rows; when the store refuses them for their data, halves the batch until the rows
 * it refuses are found, hands each to `reject` with the store's message, and writes the rest.
 * Other errors propagate for the caller's retry. Re-writing a half is safe: the tables are upserts.
 */
async function writeBisecting<T>(write: (rows: T[]) => Promise<void>, rows: T[], reject: (row: T, reason: string) => void, isDataError: (err: unknown) => boolean): Promise<void> {
  if (rows.length === 0) return;
  try {
    await write(rows);
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (rows.length === 1) return reject(rows[0]!, `the store refused the row: ${(err as Error).message.split('\n', 1)[0]!.trim()}`);
    const half = Math.ceil(rows.length / 2);
    await writeBisecting(write, rows.slice(0, half), reject, isDataError);
    await writeBisecting(write, rows.slice(half), reject, isDataError);
  }
}

/** The Kafka outputs for other consumers. */
interface OutputTopics {
  salesPerProduct: string;
  late: string;
  sessions: string;
}

/**
 * The job's two sinks for one tick's output, written side by side: the store by the engine's
 * threads and the Kafka topics by this one. A store or broker that is briefly away is waited for
 * (retried); one that stays away fails the tick, and the job restarts from its last checkpoint.
 */
export class JobSink {
  /** Holds one request's sales or session records at a time, reused from request to request. */
  private readonly recordBytes = new TextBytes(REQUEST_BYTES);

  constructor(
    private readonly tables: ResultTables,
    private readonly producer: Producer,
    private readonly topics: OutputTopics,
    private readonly logger: Logger,
    private readonly retries: WriteRetries,
  ) {}

  /**
   * Writes the output and the rejected rows; `aggregatesStored` runs once the aggregates are in
   * the store (see writeOutputs). Answers how many rows the store refused, and how long its writes took.
   */
  async write(out: Emissions, rejected: RejectedRow[], aggregatesStored: () => void): Promise<{ storeRejected: number; storeMs: number }> {
    const started = Date.now();
    let storeMs = 0;
    const [storeRejected] = await Promise.all([
      withRetry(this.logger, 'store write', () => writeOutputs(this.tables, out, rejected, this.logger, aggregatesStored), this.retries).finally(() => (storeMs = Date.now() - started)),
      withRetry(this.logger, 'output produce', () => produceOutputs(this.producer, this.topics, out, this.recordBytes), this.retries),
    ]);
    return { storeRejected, storeMs };
  }
}

/** Records per produce request. */
const OUTPUT_CHUNK = 8000;

/** Produces the sales rows to `<ns>.sales-per-product` and the late events to `<ns>.events-late`. */
async function produceOutputs(producer: Producer, topics: OutputTopics, out: Emissions, recordBytes: TextBytes): Promise<void> {
  // Each request's messages are built just before it is sent: one request's worth is alive at a
  // time (they live until the broker answers), not the whole tick's.
  await sendInChunks(producer, topics.salesPerProduct, out.sales, (rows) => salesMessages(rows, recordBytes));
  await sendInChunks(producer, topics.late, out.late, (rows) => rows.map((r) => ({ key: String(r.event.user_id), value: JSON.stringify(r, jsonBigInt) })));
  await sendInChunks(producer, topics.sessions, out.sessions, (rows) => sessionMessages(rows, recordBytes));
}

/**
 * The records of one produce request hold at most this many bytes: half the broker's
 * message.max.bytes (1 MB per record batch), so the batch of any one partition stays under it
 * whatever the keys, with room for each record's and the batch's headers.
 */
const REQUEST_MAX_BYTES = 512 * 1024;
/** A record's own header (lengths, offsets, timestamp deltas as varints), at most about. */
const RECORD_OVERHEAD = 32;

const sizeOf = (v: Message['key'] | Message['value']) => (v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

/**
 * Sends the rows' messages, OUTPUT_CHUNK rows' worth made at a time (made just before they are
 * sent), in requests of at most REQUEST_MAX_BYTES: a batch over the broker's limit is refused, and
 * an idempotent producer's sequence is then out of step for good.
 */
async function sendInChunks<T>(producer: Producer, topic: string, rows: T[], messages: (rows: T[]) => Message[]): Promise<void> {
  for (let i = 0; i < rows.length; i += OUTPUT_CHUNK) {
    const chunk = messages(rows.slice(i, i + OUTPUT_CHUNK));
    let from = 0;
    let bytes = 0;
    for (let j = 0; j < chunk.length; j++) {
      const size = sizeOf(chunk[j]!.key) + sizeOf(chunk[j]!.value) + RECORD_OVERHEAD;
      if (j > from && bytes + size > REQUEST_MAX_BYTES) {
        await producer.send({ topic, messages: chunk.slice(from, j), acks: -1 });
        from = j;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < chunk.length) await producer.send({ topic, messages: chunk.slice(from), acks: -1 });
  }
}

/** Bytes a request's records take with their keys, about: a sales record's largest ids and counts fit in 400 (the buffer grows for longer ones). */
const REQUEST_BYTES = OUTPUT_CHUNK * 400;

/**
 * The `<ns>.sales-per-product` records: key the product id, value JSON with the columns of
 * sales_per_product_partials except that times are epoch ms and money is `revenue_cents`, ids as
 * strings (README, the sales topic). Written into `out` (reset first), each key and value a view
 * of it (as Buffers, kafkajs copies them into the record batch without measuring a string); the
 * views hold until `out` is written again. One buffer serves every request: one per request
 * would grow external memory fast enough to start a full collection every few seconds.
 */
export function salesMessages(rows: SalesRow[], out: TextBytes): Message[] {
  return messagesInto(out, rows, (r) => r.productId, (r) =>
    out
      .ascii('{"window_start":')
      .int(r.windowStart)
      .ascii(',"window_end":')
      .int(r.windowEnd)
      .ascii(',"product_id":"')
      .id(r.productId)
      .ascii('","source_partition":')
      .int(r.sourcePartition)
      .ascii(',"revenue_cents":')
      .int(r.revenueCents)
      .ascii(',"purchases":')
      .int(r.purchases)
      .ascii(',"views":')
      .int(r.views)
      .ascii(',"carts":')
      .int(r.carts)
      .ascii(',"removals":')
      .int(r.removals)
      .ascii(r.isFinal ? ',"is_final":true' : ',"is_final":false')
      .ascii(',"version":')
      .int(r.version)
      .ascii('}'),
  );
}

/** Each row's message written into `out` (reset first): its key an id, its value what `value` writes; both views of `out`. */
function messagesInto<T>(out: TextBytes, rows: T[], key: (row: T) => bigint, value: (row: T) => void): Message[] {
  out.reset();
  return rows.map((r) => {
    const keyStart = out.length;
    out.id(key(r));
    const valueStart = out.length;
    value(r);
    return { key: out.view(keyStart, valueStart), value: out.view(valueStart) };
  });
}

/**
 * The `<ns>.sessions` records: key the user id, value JSON with the sessions table's columns
 * except that times are epoch ms and money is in cents (`*_cents`), ids as strings (README, the
 * sessions topic). Written into `out` as salesMessages writes.
 */
export function sessionMessages(rows: SessionRow[], out: TextBytes): Message[] {
  return messagesInto(out, rows, (r) => r.userId, (r) => {
    out.ascii('{"session_key":');
    if (r.userSession) out.jsonString(r.userSession);
    else out.ascii('"user:').id(r.userId).ascii('"');
    out
      .ascii(',"user_id":"')
      .id(r.userId)
      .ascii('","user_session":')
      .jsonString(r.userSession)
      .ascii(',"session_start":')
      .int(r.sessionStart)
      .ascii(',"session_end":')
      .int(r.sessionEnd)
      .ascii(',"events":')
      .int(r.events)
      .ascii(',"views":')
      .int(r.views)
      .ascii(',"carts":')
      .int(r.carts)
      .ascii(',"removals":')
      .int(r.removals)
      .ascii(',"purchases":')
      .int(r.purchases)
      .ascii(',"cart_value_cents":')
      .int(r.cartValueCents)
      .ascii(',"purchase_value_cents":')
      .int(r.purchaseValueCents)
      .ascii(',"products_carted":')
      .int(r.productsCarted)
      .ascii(',"products_purchased":')
      .int(r.productsPurchased)
      .ascii(r.abandoned ? ',"abandoned":true' : ',"abandoned":false')
      .ascii(',"abandoned_value_cents":')
      .int(r.abandonedValueCents)
      .ascii(',"is_final":true,"version":')
      .int(r.version)
      .ascii('}');
  });
}
