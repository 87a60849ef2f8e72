// Defence in depth for source lines: a record from another producer may carry a negative
// source_line (the schema's int allows it), which no column of the store can hold. The job must
// neither aggregate it (it could never be archived) nor lose it: it is rejected under its Kafka
// offset, and the rest is processed as usual.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { createSchemaRegistry, encodeEvent, registerEventSchema } from '../../core/avro.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { shopEvent } from '../fixtures.ts';
import { isolatedConfig } from '../helpers.ts';
import { runJobToEnd } from '../job-run.ts';

const config = isolatedConfig('foreign_lines');
let store: Store;

beforeAll(async () => {
  store = await prepareRuntime(config, logger);
});

afterAll(async () => {
  await store?.close();
});

describe('a record whose source_line is negative', () => {
  it('is rejected under its Kafka offset, neither aggregated nor archived, and the others go on', async () => {
    const base = Date.UTC(2020, 0, 1, 10, 0, 0);
    const events = [
      shopEvent({ source_file: 'other-producer.csv', source_line: 1, event_time: base, user_id: 1n }),
      shopEvent({ source_file: 'other-producer.csv', source_line: -5, event_time: base + 1_000, user_id: 2n }),
      shopEvent({ source_file: 'other-producer.csv', source_line: 3, event_time: base + 2_000, user_id: 3n }),
    ];
    const kafka = createKafka(config, 'foreign-lines-test');
    await ensureTopics(kafka, config.namespace);
    const schemaId = await registerEventSchema(createSchemaRegistry(config.schemaRegistryUrl), config.namespace);
    const producer = kafka.producer();
    await producer.connect();
    const eventsTopic = topics(config.namespace).events;
    // One key: all three land in one partition, at offsets 0, 1 and 2.
    await producer.send({ topic: eventsTopic, acks: -1, messages: events.map((e) => ({ key: 'one', value: encodeEvent(schemaId, e) })) });
    await producer.disconnect();

    const job = aggregatorJob(config, store, logger, DEFAULT_JOB_OPTIONS);
    expect(await runJobToEnd(job, config)).toBeUndefined();

    const db = store.database;
    const rejected = await queryRows<{ source_file: string; source_line: string; reason: string; raw_line: string }>(
      store,
      `SELECT source_file, toString(source_line) AS source_line, reason, raw_line FROM ${db}.rejected_events`,
    );
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.source_file).toMatch(new RegExp(`^kafka:${eventsTopic.replace(/\./g, '\\.')}/\\d+$`));
    expect(rejected[0]!.source_line).toBe('1');
    expect(rejected[0]!.reason).toBe('source_line -5 is not a line number');
    expect(JSON.parse(rejected[0]!.raw_line)).toMatchObject({ source_file: 'other-producer.csv', source_line: -5, user_id: '2' });

    const archived = await queryRows<{ source_line: string }>(store, `SELECT toString(source_line) AS source_line FROM ${db}.events ORDER BY source_line`);
    expect(archived.map((r) => r.source_line)).toEqual(['1', '3']);
    const customers = await queryRows<{ user_id: string }>(store, `SELECT toString(user_id) AS user_id FROM ${db}.customer_lifetime_value ORDER BY user_id`);
    expect(customers.map((c) => c.user_id)).toEqual(['1', '3']);
  });
});
