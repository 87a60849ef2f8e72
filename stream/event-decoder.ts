// Decodes Confluent-framed Avro records (magic byte, schema id, body) into ShopEvents with the
// reader schema of this build, resolving whatever writer schema the registry says was used.
// Writer schemas are fetched once per id, so decoding a batch is synchronous.
import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { ShopEvent } from '../core/event.ts';
import { avroOptions, isRegistryRefusal, shopEventType } from '../core/avro.ts';
import { BoundedMemo } from '../core/bounded-memo.ts';
import { readShopEvent } from '../core/shop-event-codec.ts';
import { STORE_TIME_RANGE } from '../core/time-format.ts';

/** How a schema id's records are read: this build's codec for its own schema, else avsc. */
type Reader = 'native' | avro.Resolver;

export class EventDecoder {
  private readonly readers = new Map<number, Reader>();
  /**
   * Schema ids no record can be read with, and why: the registry does not have the id, or its
   * schema is not one a shop event can be read from. Their records are rejected, not retried:
   * no retry changes the answer, and waiting would stop every partition behind one record.
   * Bounded: records with endless made-up ids cannot grow it (a forgotten id is asked again).
   */
  private readonly unreadable = new BoundedMemo<number, string>();

  constructor(private readonly registry: SchemaRegistry) {}

  static schemaId(value: Buffer): number | undefined {
    return value.length > 5 && value[0] === 0 ? value.readInt32BE(1) : undefined;
  }

  /**
   * Fetches the writer schemas of these records that are not known yet. Throws only when the
   * registry is away or slow (the batch is then retried); a refusal marks the id unreadable.
   */
  async prepare(values: Array<Buffer | null>): Promise<void> {
    for (const v of values) {
      const id = v ? EventDecoder.schemaId(v) : undefined;
      if (id === undefined || this.readers.has(id) || this.unreadable.get(id) !== undefined) continue;
      let writer: unknown;
      try {
        writer = await this.registry.getSchema(id);
      } catch (err) {
        if (!isRegistryRefusal(err)) throw err;
        this.unreadable.set(id, `unknown schema id ${id}: the registry answers "${(err as Error).message}"`);
        continue;
      }
      try {
        const writerType = avro.Type.forSchema(writer as avro.Schema, avroOptions());
        this.readers.set(id, writerType.equals(shopEventType) ? 'native' : shopEventType.createResolver(writerType));
      } catch (err) {
        this.unreadable.set(id, `schema id ${id} is not a shop event schema: ${(err as Error).message}`);
      }
    }
  }

  /** The event, or the reason the record cannot be read (it then goes to rejected_events). */
  decode(value: Buffer | null): ShopEvent | string {
    if (!value) return 'empty record';
    const id = EventDecoder.schemaId(value);
    if (id === undefined) return 'not in the Confluent wire format (magic byte 0 + schema id)';
    const reader = this.readers.get(id);
    if (!reader) return this.unreadable.get(id) ?? `unknown schema id ${id}`;
    try {
      if (reader === 'native') return readShopEvent(value, 5, value.length);
      return shopEventType.fromBuffer(value.subarray(5), reader) as ShopEvent;
    } catch (err) {
      return `undecodable Avro record: ${(err as Error).message}`;
    }
  }
}


/** Whether the event's source line can be stored as one (UInt64): else it is known by its Kafka offset. */
export function hasLineNumber(event: ShopEvent): boolean {
  return Number.isSafeInteger(event.source_line) && event.source_line >= 0;
}

/**
 * Why the engine must not process this event, if it must not: its time is outside what the store
 * holds, or its source line is no line number. Such a record can still reach Kafka (an older
 * connector, another producer); processed, it would fail every write and move the watermark to a
 * time no row has, or be aggregated but never stored in events. Decided from the record alone, never
 * from the clock, so a replay decides the same.
 */
export function unprocessableReason(event: ShopEvent): string | undefined {
  if (!hasLineNumber(event)) return `source_line ${event.source_line} is not a line number`;
  const t = event.event_time;
  if (Number.isFinite(t) && t >= STORE_TIME_RANGE.minMs && t <= STORE_TIME_RANGE.maxMs) return undefined;
  const shown = Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t);
  return `event_time ${shown} is outside what the store holds (${new Date(STORE_TIME_RANGE.minMs).toISOString()} .. ${new Date(STORE_TIME_RANGE.maxMs).toISOString()})`;
}
