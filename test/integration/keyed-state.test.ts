// The keyed state's checkpoints in the store: a checkpoint writes the keys changed since the
// previous one, a compaction replaces the segments before it, and a checkpoint of a build
// before keyed state (the whole state in one document) restores.
import { afterEach, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { aggregatorGroup, topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { createSchemaRegistry, encodeEvent, registerEventSchema } from '../../core/avro.ts';
import type { ShopEvent } from '../../core/event.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../stream/job.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { shopEvent } from '../fixtures.ts';
import { isolatedConfig, until } from '../helpers.ts';
import { runJobToEnd } from '../job-run.ts';

const USERS = 60;
let store: Store | undefined;

/** Each test its own namespace, and the store opened on its database. */
async function open(prefix: string) {
  const config = isolatedConfig(prefix);
  store = await prepareRuntime(config, logger);
  return { config, store };
}

afterEach(async () => {
  await store?.close();
  store = undefined;
});

/** A purchase of `user` at second `second` of 2020, on the user's partition like the connector's. */
const purchase = (user: number, second: number, line: number): ShopEvent =>
  shopEvent({ event_type: 'purchase', price_cents: 1_000, user_id: BigInt(user), user_session: `u${user}-${second}`, event_time: Date.UTC(2020, 0, 1, 0, 0, second), source_file: 'keyed.csv', source_line: line });

async function produce(config: ReturnType<typeof isolatedConfig>, events: ShopEvent[]): Promise<void> {
  const kafka = createKafka(config, 'keyed-state-test');
  await ensureTopics(kafka, config.namespace);
  const schemaId = await registerEventSchema(createSchemaRegistry(config.schemaRegistryUrl), config.namespace);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: topics(config.namespace).events, acks: -1, messages: events.map((e) => ({ key: String(e.user_id), value: encodeEvent(schemaId, e) })) });
  await producer.disconnect();
}

/** Entries per epoch of the namespace's state changelog, and its segments. */
async function changelog(config: ReturnType<typeof isolatedConfig>, store: Store) {
  const db = store.database;
  const where = `consumer_group = '${aggregatorGroup(config.namespace)}'`;
  const epochs = await queryRows<{ epoch: string; entries: string }>(store, `SELECT toString(epoch) AS epoch, toString(count()) AS entries FROM ${db}.stream_state WHERE ${where} GROUP BY epoch ORDER BY epoch`);
  const segments = await queryRows<{ partition: number; segments: string }>(store, `SELECT partition, toString(uniqExact(segment)) AS segments FROM ${db}.stream_state WHERE ${where} GROUP BY partition ORDER BY partition`);
  return { epochs: epochs.map((r): [number, number] => [Number(r.epoch), Number(r.entries)]), segments: segments.map((r) => Number(r.segments)) };
}

const customer = (store: Store, user: number) =>
  queryRows<{ revenue: string; purchases: string; orders: string }>(store, `SELECT toString(revenue) AS revenue, toString(purchases) AS purchases, toString(orders) AS orders FROM ${store.database}.customer_lifetime_value WHERE user_id = ${user}`);

describe('keyed state checkpoints', () => {
  it('write the keys changed since the previous checkpoint, not the whole state', async () => {
    const { config, store } = await open('keyedinc');
    const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 };
    await produce(config, Array.from({ length: USERS }, (_, u) => purchase(u + 1, u, u + 1)));
    expect(await runJobToEnd(aggregatorJob(config, store, logger, options), config)).toBeUndefined();
    const first = await changelog(config, store);
    const total = first.epochs.reduce((n, [, entries]) => n + entries, 0);
    expect(total).toBeGreaterThanOrEqual(USERS);

    // One more purchase of one customer, in a window of its own.
    await produce(config, [purchase(7, 3_600, USERS + 1)]);
    expect(await runJobToEnd(aggregatorJob(config, store, logger, options), config)).toBeUndefined();
    const second = await changelog(config, store);
    const newEpochs = second.epochs.filter(([epoch]) => !first.epochs.some(([e]) => e === epoch));
    // The customer, the window opened, then freed at the end of input: a few entries, not USERS.
    expect(newEpochs.reduce((n, [, entries]) => n + entries, 0)).toBeLessThanOrEqual(4);
    expect(await customer(store, 7)).toEqual([{ revenue: '20', purchases: '2', orders: '2' }]);
  }, 120_000);

  it('a compaction replaces the segments before it, and the state restores from it', async () => {
    const { config, store } = await open('keyedcompact');
    const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0, compaction: { entriesPerKey: 0, minEntries: 0 } };
    await produce(config, Array.from({ length: USERS }, (_, u) => purchase(u + 1, u, u + 1)));
    expect(await runJobToEnd(aggregatorJob(config, store, logger, options), config)).toBeUndefined();
    await produce(config, [purchase(9, 3_600, USERS + 1)]);
    expect(await runJobToEnd(aggregatorJob(config, store, logger, options), config)).toBeUndefined();
    // Every partition's changelog is down to its latest segment once the removal has run.
    await until('old segments removed', async () => ((await changelog(config, store)).segments.every((n) => n === 1) ? true : undefined), 30_000);
    await produce(config, [purchase(9, 7_200, USERS + 2)]);
    expect(await runJobToEnd(aggregatorJob(config, store, logger, options), config)).toBeUndefined();
    expect(await customer(store, 9)).toEqual([{ revenue: '30', purchases: '3', orders: '3' }]);
    expect(await queryRows(store, `SELECT count() AS n FROM ${store.database}.customer_lifetime_value`)).toEqual([{ n: String(USERS) }]);
  }, 120_000);
});
