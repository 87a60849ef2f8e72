// Records framed with a schema id no shop event can be read with: an id the registry does not
// have (its schemas lost, a record copied from another cluster) or the id of another subject's
// schema. Each must become a rejected row with its reason while the job goes on: a failed batch
// would be retried forever and stop the partition behind the record.
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { logger } from '../../core/logger.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { createSchemaRegistry, encodeEvent, registerEventSchema } from '../../core/avro.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { shopEvent } from '../fixtures.ts';
import { isolatedConfig } from '../helpers.ts';
import { runJobToEnd } from '../job-run.ts';

const config = isolatedConfig('unreadable');
let store: Store;

beforeAll(async () => {
  store = await prepareRuntime(config, logger);
});

afterAll(async () => {
  await store?.close();
});

/** Confluent framing (magic byte, schema id) around an Avro body. */
function framed(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

describe('records whose schema id cannot be read as a shop event', () => {
  it('are rejected with the reason, and the events around them are aggregated', async () => {
    const registry = createSchemaRegistry(config.schemaRegistryUrl);
    const schemaId = await registerEventSchema(registry, config.namespace);
    const otherSchema: avro.Schema = { type: 'record', name: 'Other', fields: [{ name: 'note', type: 'string' }] };
    const { id: otherId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(otherSchema) }, { subject: `${config.namespace}.other-value` });
    const missingId = 2_147_483_000;

    const good = [1, 2, 3].map((line) => shopEvent({ source_file: 'around.csv', source_line: line, event_time: Date.UTC(2020, 0, 1, 0, 0, line), user_id: 7n }));
    const kafka = createKafka(config, 'unreadable-test');
    await ensureTopics(kafka, config.namespace);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics(config.namespace).events,
      acks: -1,
      // One key: all on one partition, in this order.
      messages: [
        encodeEvent(schemaId, good[0]!),
        framed(missingId, encodeEvent(schemaId, good[1]!).subarray(5)),
        encodeEvent(schemaId, good[1]!),
        framed(otherId, avro.Type.forSchema(otherSchema).toBuffer({ note: 'not an event' })),
        encodeEvent(schemaId, good[2]!),
      ].map((value) => ({ key: '7', value })),
    });
    await producer.disconnect();

    const job = aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, checkpointIntervalMs: 500 });
    expect(await runJobToEnd(job, config, { ownAll: true, stallMs: 30_000 })).toBeUndefined();

    const db = store.database;
    const rejected = await queryRows<{ source_file: string; source_line: string; reason: string }>(
      store,
      `SELECT source_file, toString(source_line) AS source_line, reason FROM ${db}.rejected_events ORDER BY source_line`,
    );
    expect(rejected.map((r) => r.source_file)).toEqual([expect.stringMatching(/^kafka:.*\.events\/\d+$/), expect.stringMatching(/^kafka:.*\.events\/\d+$/)]);
    expect(rejected.map((r) => Number(r.source_line))).toEqual([1, 3]);
    expect(rejected[0]!.reason).toMatch(new RegExp(`^unknown schema id ${missingId}: the registry answers ".*not found`));
    expect(rejected[1]!.reason).toMatch(new RegExp(`^schema id ${otherId} is not a shop event schema: `));

    const stored = await queryRows<{ source_line: string }>(store, `SELECT toString(source_line) AS source_line FROM ${db}.events ORDER BY source_line`);
    expect(stored.map((r) => Number(r.source_line))).toEqual([1, 2, 3]);
    const [customer] = await queryRows<{ purchases: string }>(store, `SELECT toString(purchases) AS purchases FROM ${db}.customer_lifetime_value WHERE user_id = 7`);
    expect(customer).toEqual({ purchases: '3' });
  });
});
