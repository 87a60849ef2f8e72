// The sinks of the job: one tick's output into the public ClickHouse tables, and the sales and
// late rows to their Kafka topics for other consumers. A row the store refuses for its data
// becomes a rejected row (the store's message as reason) instead of failing the job; other
// errors propagate to the job's retry.
import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../core/logger.ts';
import type { RejectedRow, ShopEvent } from '../core/event.ts';
import type { Store } from '../aggregates/store.ts';
import type { SalesRow } from '../aggregates/table-rows.ts';
import { writeEvents, writeBisecting, writeCustomers, writeLate, writeRejected, writeSales } from '../aggregates/writers.ts';
import { TextBytes } from '../core/text-bytes.ts';
import type { Emissions } from './partition-pipeline.ts';

export function jsonBigInt(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** An event the engine or the store will not take, kept under its own identity. */
export function eventRejection(event: ShopEvent, reason: string): RejectedRow {
  return {
    source_file: event.source_file,
    source_file_id: event.source_file_id,
    source_line: event.source_line,
    raw_line: JSON.stringify(event, jsonBigInt),
    reason,
    rejected_at: Date.now(),
  };
}

/** An aggregate row the store refuses: named by its table and key (no source line of its own). */
function aggregateRejection(what: string, row: object, reason: string): RejectedRow {
  return { source_file: `aggregate:${what}`, source_file_id: '', source_line: 0, raw_line: JSON.stringify(row, jsonBigInt), reason, rejected_at: Date.now() };
}

/**
 * Writes the output; answers how many rows the store refused (written to rejected_events). The
 * aggregates go first and `aggregatesStored` runs as soon as they are in (the live push need not
 * wait for the events table, the largest insert); the events follow.
 */
export async function writeOutputs(store: Store, out: Emissions, rejected: RejectedRow[], logger: Logger, aggregatesStored: () => void = () => undefined): Promise<number> {
  const storeRejected: RejectedRow[] = [];
  const dropRejected = (row: RejectedRow, reason: string) => logger.error({ row, reason }, 'the store refuses a rejected row; it is only logged');
  await Promise.all([
    writeBisecting((rows) => writeSales(store, rows), out.sales, (r, reason) => storeRejected.push(aggregateRejection(`sales_per_product:${r.windowStart}:${r.productId}`, r, reason))),
    writeBisecting((rows) => writeCustomers(store, rows), out.customers, (r, reason) => storeRejected.push(aggregateRejection(`customer_lifetime_value:${r.userId}`, r, reason))),
    writeBisecting((rows) => writeLate(store, rows), out.late, (r, reason) => storeRejected.push(eventRejection(r.event, `late event: ${reason}`))),
    writeBisecting((rows) => writeRejected(store, rows), rejected, dropRejected),
  ]);
  aggregatesStored();
  await writeEvents(store, out.events, (event, reason) => storeRejected.push(eventRejection(event, reason)));
  if (storeRejected.length === 0) return 0;
  logger.warn({ rows: storeRejected.length, first: storeRejected[0]!.reason }, 'the store refused rows; kept in rejected_events');
  await writeBisecting((rows) => writeRejected(store, rows), storeRejected, dropRejected);
  return storeRejected.length;
}

/** Records per produce request. */
const OUTPUT_CHUNK = 8000;

/**
 * Produces the sales rows to `<ns>.sales-per-product` and the late events to `<ns>.events-late`.
 * `recordBytes` holds one request's sales records at a time, reused from request to request.
 */
export async function produceOutputs(producer: Producer, topics: { salesPerProduct: string; late: string }, out: Emissions, recordBytes: TextBytes): Promise<void> {
  // Each request's messages are built just before it is sent: one request's worth is alive at a
  // time (they live until the broker answers), not the whole tick's.
  await sendInChunks(producer, topics.salesPerProduct, out.sales, (rows) => salesMessages(rows, recordBytes));
  await sendInChunks(producer, topics.late, out.late, (rows) => rows.map((r) => ({ key: String(r.event.user_id), value: JSON.stringify(r, jsonBigInt) })));
}

/** Requests stay well under the broker's message.max.bytes (1 MB per record batch). */
async function sendInChunks<T>(producer: Producer, topic: string, rows: T[], messages: (rows: T[]) => Message[]): Promise<void> {
  for (let i = 0; i < rows.length; i += OUTPUT_CHUNK) {
    await producer.send({ topic, messages: messages(rows.slice(i, i + OUTPUT_CHUNK)), acks: -1 });
  }
}

/** Bytes a request's sales records take with their keys, about: the largest ids and counts fit in 400. */
export const SALES_REQUEST_BYTES = OUTPUT_CHUNK * 400;

/**
 * The `<ns>.sales-per-product` records: key the product id, value JSON with the columns of
 * sales_per_product_partials except that times are epoch ms and money is `revenue_cents`, ids as
 * strings (README, the sales topic). Written into `out` (reset first), each key and value a view
 * of it (as Buffers, kafkajs copies them into the record batch without measuring a string); the
 * views hold until `out` is written again. One buffer serves every request: one per request
 * would grow external memory fast enough to start a full collection every few seconds.
 */
export function salesMessages(rows: SalesRow[], out: TextBytes): Message[] {
  out.reset();
  return rows.map((r) => {
    const keyStart = out.length;
    out.id(r.productId);
    const valueStart = out.length;
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
      .ascii('}');
    return { key: out.view(keyStart, valueStart), value: out.view(valueStart) };
  });
}
