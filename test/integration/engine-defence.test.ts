// Defence in depth for out-of-range event times: records that bypassed the connector's
// validation (an older connector, another producer) reach the events topic directly. The job
// must neither fail nor checkpoint a watermark derived from them, and a row the store refuses
// becomes a rejected row rather than a crash loop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import type { ShopEvent } from '../../core/event.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { createSchemaRegistry, encodeEvent, registerEventSchema } from '../../core/avro.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import { Emissions } from '../../stream/partition-pipeline.ts';
import { StoreTables } from '../../aggregates/writers.ts';
import { writeOutputs } from '../../stream/sink.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { isolatedConfig } from '../helpers.ts';
import { runJobToEnd } from '../job-run.ts';

const config = isolatedConfig('defence');
let store: Store;

function event(line: number, eventTime: number, userId: bigint): ShopEvent {
  return {
    event_time: eventTime,
    event_type: 'purchase',
    product_id: 5809910n,
    category_id: 1602943681873052386n,
    category_code: null,
    brand: 'grattol',
    price_cents: 524,
    user_id: userId,
    user_session: `s-${line}`,
    source_file: 'older-connector.csv',
    source_file_id: '',
    source_line: line,
    ingested_at: Date.UTC(2020, 0, 1),
  };
}

const base = Date.UTC(2020, 0, 1, 10, 0, 0);
const GOOD = [event(1, base, 1n), event(2, base + 1_000, 2n), event(4, base + 2_000, 1n), event(6, base + 3_000, 3n)];
const YEAR_9999 = event(3, Date.UTC(9999, 11, 31, 23, 59, 59), 2n);
const YEAR_1969 = event(5, Date.UTC(1969, 6, 20, 20, 17, 40), 3n);

beforeAll(async () => {
  store = await prepareRuntime(config, logger);
});

afterAll(async () => {
  await store?.close();
});

describe('the engine with out-of-range event times on its input', () => {
  it('rejects them, aggregates the rest and checkpoints a watermark the store can hold', async () => {
    const kafka = createKafka(config, 'defence-test');
    await ensureTopics(kafka, config.namespace);
    const schemaId = await registerEventSchema(createSchemaRegistry(config.schemaRegistryUrl), config.namespace);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics(config.namespace).events,
      acks: -1,
      messages: [GOOD[0]!, GOOD[1]!, YEAR_9999, GOOD[2]!, YEAR_1969, GOOD[3]!].map((e) => ({ key: String(e.user_id), value: encodeEvent(schemaId, e) })),
    });
    await producer.disconnect();

    const job = aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, checkpointIntervalMs: 500 });
    expect(await runJobToEnd(job, config)).toBeUndefined();

    const db = store.database;
    const rejected = await queryRows<{ source_file: string; source_line: string; reason: string }>(
      store,
      `SELECT source_file, toString(source_line) AS source_line, reason FROM ${db}.rejected_events ORDER BY source_line`,
    );
    expect(rejected.map((r) => [r.source_file, r.source_line])).toEqual([
      ['older-connector.csv', '3'],
      ['older-connector.csv', '5'],
    ]);
    expect(rejected[0]!.reason).toMatch(/event_time 9999-12-31T23:59:59\.000Z is outside what the store holds/);
    expect(rejected[1]!.reason).toMatch(/event_time 1969-07-20T20:17:40\.000Z is outside what the store holds/);

    const stored = await queryRows<{ source_line: string }>(store, `SELECT toString(source_line) AS source_line FROM ${db}.events ORDER BY source_line`);
    expect(stored.map((r) => Number(r.source_line))).toEqual([1, 2, 4, 6]);
    const [sales] = await queryRows<{ purchases: string; revenue: string; is_final: number }>(
      store,
      `SELECT toString(sum(purchases)) AS purchases, toString(sum(revenue)) AS revenue, min(is_final) AS is_final FROM ${db}.sales_per_product`,
    );
    expect(sales).toEqual({ purchases: '4', revenue: '20.96', is_final: 1 });

    const checkpoints = await queryRows<{ state: string }>(
      store,
      `SELECT state FROM ${db}.stream_checkpoints FINAL WHERE topic = {topic:String} AND state != ''`,
      { topic: topics(config.namespace).events },
    );
    expect(checkpoints.length).toBeGreaterThan(0);
    const maxEventTimes = checkpoints.map((c) => (JSON.parse(c.state) as { watermark: { maxEventTime: number | null } }).watermark.maxEventTime);
    for (const t of maxEventTimes) if (t !== null) expect(t).toBeLessThan(Date.UTC(2100, 0, 1));
    expect(maxEventTimes).toContain(GOOD[3]!.event_time);
  });
});

describe('the sink with a row the store refuses', () => {
  it('writes the other rows and keeps the refused one in rejected_events with the store message', async () => {
    const tables = new StoreTables(store);
    const out = new Emissions(tables.eventBuffer());
    const good = [event(11, base, 7n), event(12, base + 1_000, 8n), event(14, base + 2_000, 9n)];
    // Past DateTime's range: the store's own parser refuses it (the engine's input check would
    // have stopped it; this is the last line of defence).
    const refused = event(13, 99_999_999_999_000, 8n);
    for (const e of [good[0]!, good[1]!, refused, good[2]!]) out.events.add(e);
    const count = await writeOutputs(tables, out, [], logger);
    expect(count).toBe(1);
    const db = store.database;
    const stored = await queryRows<{ line: string }>(
      store,
      `SELECT toString(source_line) AS line FROM ${db}.events WHERE source_line BETWEEN 11 AND 14 ORDER BY source_line`,
    );
    expect(stored.map((r) => Number(r.line))).toEqual([11, 12, 14]);
    const [row] = await queryRows<{ reason: string }>(store, `SELECT reason FROM ${db}.rejected_events WHERE source_line = 13`);
    expect(row?.reason).toMatch(/^the store refused the row: .*DateTime/);
  });
});
