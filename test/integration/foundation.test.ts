// The foundation on real components: a topic and an Avro record through Kafka with the schema
// registry, the store migrations, and 64-bit category ids that survive every hop exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import avro from 'avsc';
import type { Kafka } from 'kafkajs';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { avroOptions, createSchemaRegistry, encodeEvent, registerEventSchema, SHOP_EVENT_SCHEMA } from '../../core/avro.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { migrate } from '../../aggregates/migrate.ts';
import { StoreTables } from '../../aggregates/writers.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import type { ShopEvent } from '../../core/event.ts';
import { isolatedConfig } from '../helpers.ts';
import { shopEvent } from '../fixtures.ts';

const config = isolatedConfig('foundation');
const t = topics(config.namespace);
let kafka: Kafka;
let store: Store;

beforeAll(async () => {
  kafka = createKafka(config, 'foundation-test');
  await ensureTopics(kafka, config.namespace);
  store = openStore(config);
});

afterAll(async () => {
  await store?.close();
});

/** Produces the buffers and reads them back from the topic, in partition order. */
async function roundTrip(values: Array<{ key: string; value: Buffer }>): Promise<Buffer[]> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: t.events, messages: values, acks: -1 });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${config.namespace}.roundtrip-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: t.events, fromBeginning: true });
  const received: Buffer[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message.value!);
        if (received.length >= values.length) resolve();
      },
    });
  });
  await consumer.disconnect();
  return received;
}

describe('Kafka with the schema registry', () => {
  it('registers the schema, frames records with its id, and round-trips events exactly', async () => {
    const registry = createSchemaRegistry(config.schemaRegistryUrl);
    const id = await registerEventSchema(registry, config.namespace);
    expect(id).toBeGreaterThan(0);
    // Registering the same schema again gives the same id.
    expect(await registerEventSchema(registry, config.namespace)).toBe(id);
    const subjects = (await (await fetch(`${config.schemaRegistryUrl}/subjects`)).json()) as string[];
    expect(subjects).toContain(`${config.namespace}.events-value`);

    const events: ShopEvent[] = [
      shopEvent({ category_id: 9223372036854775807n, source_line: 2 }),
      shopEvent({ category_id: 9007199254740993n, source_line: 3, brand: null, user_session: null }),
      // Text that needs escaping on the way into ClickHouse.
      shopEvent({ category_id: 1n, source_line: 4, brand: 'tab\there', category_code: 'back\\slash\nnew line' }),
    ];
    const encoded = events.map((e) => encodeEvent(id, e));
    for (const buf of encoded) {
      expect(buf[0]).toBe(0);
      expect(buf.readInt32BE(1)).toBe(id);
    }
    const received = await roundTrip(encoded.map((value) => ({ key: '595414620', value })));
    const decoder = new EventDecoder(registry);
    await decoder.prepare(received);
    const decoded = received.map((b) => decoder.decode(b) as ShopEvent).sort((a, b) => a.source_line - b.source_line);
    expect(decoded).toEqual(events);
    expect(decoded[0]!.category_id).toBe(9223372036854775807n);
    expect(decoded[1]!.category_id).toBe(9007199254740993n);

    // ... and on into ClickHouse and back, still exact.
    await migrate(store);
    const rows = new StoreTables(store).eventBuffer();
    for (const e of decoded) rows.add(e);
    await rows.write((row, reason) => expect.fail(`rejected ${row}: ${reason}`));
    const stored = await queryRows<{ category_id: string; brand: string; category_code: string }>(
      store,
      `SELECT toString(category_id) AS category_id, brand, category_code FROM ${config.namespace}.events ORDER BY source_line`,
    );
    expect(stored.map((r) => r.category_id)).toEqual(['9223372036854775807', '9007199254740993', '1']);
    expect(stored[2]).toMatchObject({ brand: 'tab\there', category_code: 'back\\slash\nnew line' });
  });

  it('evolves the schema BACKWARD: old and new readers decode each other', async () => {
    const registry = createSchemaRegistry(config.schemaRegistryUrl);
    const v1 = await registerEventSchema(registry, config.namespace);
    const v2Schema = {
      ...(SHOP_EVENT_SCHEMA as avro.schema.RecordType),
      fields: [...(SHOP_EVENT_SCHEMA as avro.schema.RecordType).fields, { name: 'channel', type: ['null', 'string'], default: null }],
    };
    const v2 = await registerEventSchema(registry, config.namespace, v2Schema as avro.Schema);
    expect(v2).not.toBe(v1);

    const v1Type = avro.Type.forSchema(SHOP_EVENT_SCHEMA, avroOptions());
    const v2Type = avro.Type.forSchema(v2Schema as avro.Schema, avroOptions());
    const event = shopEvent();
    // A new writer, an old reader: the extra field is skipped.
    const newRecord = v2Type.toBuffer({ ...event, channel: 'app' });
    expect(v1Type.fromBuffer(newRecord, v1Type.createResolver(v2Type))).toEqual(event);
    // An old writer, a new reader: the field takes its default.
    const oldRecord = v1Type.toBuffer(event);
    expect(v2Type.fromBuffer(oldRecord, v2Type.createResolver(v1Type))).toEqual({ ...event, channel: null });

    // The registry itself refuses an incompatible change (a new required field).
    const breaking = { ...v2Schema, fields: [...v2Schema.fields, { name: 'required_new', type: 'string' }] };
    await expect(registerEventSchema(registry, config.namespace, breaking as avro.Schema)).rejects.toThrow();
  });
});

describe('store migrations', () => {
  const contract: Record<string, string[]> = {
    events: ['event_time', 'event_type', 'product_id', 'category_id', 'category_code', 'brand', 'price', 'user_id', 'user_session', 'source_file', 'source_file_id', 'source_line', 'ingested_at'],
    sales_per_product: ['window_start', 'window_end', 'product_id', 'revenue', 'purchases', 'views', 'carts', 'removals', 'is_final'],
    customer_lifetime_value: ['user_id', 'revenue', 'purchases', 'orders', 'first_purchase_at', 'last_purchase_at', 'avg_order_value'],
    late_events: ['event_time', 'event_type', 'product_id', 'category_id', 'category_code', 'brand', 'price', 'user_id', 'user_session', 'source_file', 'source_file_id', 'source_line', 'window_start', 'watermark', 'late_for'],
    rejected_events: ['source_file', 'source_file_id', 'source_line', 'raw_line', 'reason', 'rejected_at'],
    sessions: [
      'session_key', 'user_id', 'user_session', 'session_start', 'session_end', 'events', 'views', 'carts', 'removals', 'purchases',
      'cart_value', 'purchase_value', 'products_carted', 'products_purchased', 'abandoned', 'abandoned_value', 'is_final',
    ],
    session_products: ['user_id', 'user_session', 'session_start', 'session_end', 'product_id', 'carts', 'purchased', 'abandoned', 'abandoned_value'],
    session_abandonment_hourly: ['hour', 'sessions', 'sessions_with_cart', 'sessions_with_purchase', 'abandoned', 'abandonment_rate', 'abandoned_value'],
    abandoned_products: ['product_id', 'sessions_carted', 'sessions_abandoned', 'abandoned_value'],
  };

  it('create every public table with exactly its columns, and run twice without error', async () => {
    // One embedded data directory per process: a second namespace in the same store.
    const fresh = openStore({ ...config, namespace: `${config.namespace}_m` });
    try {
      const first = await migrate(fresh);
      expect(first.length).toBeGreaterThanOrEqual(5);
      expect(await migrate(fresh)).toEqual([]);
      for (const [table, columns] of Object.entries(contract)) {
        const described = await queryRows<{ name: string; type: string }>(fresh, `DESCRIBE TABLE ${fresh.database}.${table}`);
        expect(described.map((c) => c.name), table).toEqual(columns);
      }
      const types = await queryRows<{ name: string; type: string }>(fresh, `DESCRIBE TABLE ${fresh.database}.events`);
      const byName = Object.fromEntries(types.map((c) => [c.name, c.type]));
      expect(byName).toMatchObject({
        event_time: "DateTime('UTC')",
        category_id: 'UInt64',
        price: 'Decimal(12, 2)',
        source_line: 'UInt64',
        ingested_at: "DateTime64(3, 'UTC')",
      });
      const sales = await queryRows<{ name: string; type: string }>(fresh, `DESCRIBE TABLE ${fresh.database}.sales_per_product`);
      expect(Object.fromEntries(sales.map((c) => [c.name, c.type]))).toMatchObject({ revenue: 'Decimal(18, 2)', is_final: 'UInt8', purchases: 'UInt64' });
      const sessions = await queryRows<{ name: string; type: string }>(fresh, `DESCRIBE TABLE ${fresh.database}.sessions`);
      expect(Object.fromEntries(sessions.map((c) => [c.name, c.type]))).toMatchObject({
        session_start: "DateTime('UTC')",
        session_end: "DateTime('UTC')",
        user_id: 'UInt64',
        cart_value: 'Decimal(18, 2)',
        abandoned: 'UInt8',
        abandoned_value: 'Decimal(18, 2)',
        is_final: 'UInt8',
      });
      const hourly = await queryRows<{ name: string; type: string }>(fresh, `DESCRIBE TABLE ${fresh.database}.session_abandonment_hourly`);
      expect(Object.fromEntries(hourly.map((c) => [c.name, c.type]))).toMatchObject({ hour: "DateTime('UTC')", sessions: 'UInt64', abandonment_rate: 'Float64', abandoned_value: 'Decimal(18, 2)' });
    } finally {
      await fresh.close();
    }
  });
});
