// Decodes Confluent-framed Avro records (magic byte, schema id, body) into ShopEvents with the
// reader schema of this build, resolving whatever writer schema the registry says was used.
// Writer schemas are fetched once per id, so decoding a batch is synchronous.
import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { ShopEvent } from '../src/event.ts';
import { avroOptions, shopEventType } from '../ingest/avro.ts';

export class EventDecoder {
  private readonly resolvers = new Map<number, avro.Resolver>();

  constructor(private readonly registry: SchemaRegistry) {}

  static schemaId(value: Buffer): number | undefined {
    return value.length > 5 && value[0] === 0 ? value.readInt32BE(1) : undefined;
  }

  /** Fetches the writer schemas of these records that are not known yet. */
  async prepare(values: Array<Buffer | null>): Promise<void> {
    for (const v of values) {
      const id = v ? EventDecoder.schemaId(v) : undefined;
      if (id === undefined || this.resolvers.has(id)) continue;
      const writer = await this.registry.getSchema(id);
      const writerType = avro.Type.forSchema(writer as unknown as avro.Schema, avroOptions());
      this.resolvers.set(id, shopEventType.createResolver(writerType));
    }
  }

  /** The event, or the reason the record cannot be read (it then goes to rejected_events). */
  decode(value: Buffer | null): ShopEvent | string {
    if (!value) return 'empty record';
    const id = EventDecoder.schemaId(value);
    if (id === undefined) return 'not in the Confluent wire format (magic byte 0 + schema id)';
    const resolver = this.resolvers.get(id);
    if (!resolver) return `unknown schema id ${id}`;
    try {
      return shopEventType.fromBuffer(value.subarray(5), resolver) as ShopEvent;
    } catch (err) {
      return `undecodable Avro record: ${(err as Error).message}`;
    }
  }
}
