// A file name used again (a daily orders.csv) on the real pipeline: every ingested file keeps its
// own rows in the archive, while the same content under any name is still taken once. Then the
// store migration that added the file id, from a store as the previous build left it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { logger } from '../../core/logger.ts';
import { avroOptions, createSchemaRegistry, readSchema, registerEventSchema } from '../../core/avro.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { createKafka } from '../../core/kafka.ts';
import { topics } from '../../core/topics.ts';
import { Connector } from '../../ingest/index.ts';
import { ledgerTopic } from '../../ingest/ledger.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { CSV_HEADER as HEADER } from '../../ingest/tools/generate.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import { loadMigrations, migrate } from '../../aggregates/migrate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { StoreTables } from '../../aggregates/writers.ts';
import { shopEvent } from '../fixtures.ts';
import { isolatedConfig, readTopic, tempDir } from '../helpers.ts';
import { finishAtEnd } from '../job-run.ts';
import { expectAggregatesMatchReference, reduceCsv } from '../reference.ts';

const MONDAY = [
  '2019-10-01 10:00:00 UTC,purchase,1001,2053013555631882655,,acme,10.00,500001,mon-1',
  '2019-10-01 10:00:30 UTC,view,1002,2053013555631882655,,acme,5.50,500002,mon-2',
  'not a date,view,1,1,,,1.00,1,s',
  '2019-10-01 10:01:00 UTC,purchase,1002,2053013555631882655,,acme,5.50,500002,mon-2',
];
const TUESDAY = [
  '2019-10-02 09:00:00 UTC,purchase,1001,2053013555631882655,,acme,12.00,500001,tue-1',
  '2019-10-02 09:00:10 UTC,cart,1003,2053013555631882655,,acme,7.25,500003,tue-3',
  'neither a date,view,1,1,,,1.00,1,s',
  '2019-10-02 09:02:00 UTC,purchase,1003,2053013555631882655,,acme,7.25,500003,tue-3',
];
const csv = (rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const idOf = (text: string) => sha256(text).slice(0, 16);

// chDB opens one store per process: both parts use this home, each its own namespace.
const config = isolatedConfig('fileid');

describe('a file name used again', () => {
  it('keeps both files in events and rejected_events, aggregates both, and takes the same content once under any name', async () => {
    const store = await prepareRuntime(config, logger);
    const job = aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 });
    const inbox = tempDir('fileid-inbox');
    // Each day's file as it was, for the reference (the inbox copy moves to .done/).
    const kept = tempDir('fileid-kept');
    const days = [
      { dir: join(kept, 'mon'), text: csv(MONDAY) },
      { dir: join(kept, 'tue'), text: csv(TUESDAY) },
    ];
    try {
      await job.start();
      const connector = new Connector(config, logger, { inbox });
      await connector.open();
      const results = [];
      for (const day of days) {
        mkdirSync(day.dir);
        writeFileSync(join(day.dir, 'orders.csv'), day.text);
        writeFileSync(join(inbox, 'orders.csv'), day.text);
        results.push(await connector.takeFile(join(inbox, 'orders.csv')));
      }
      // Monday's content again, under another name and under its own: neither is taken again.
      writeFileSync(join(inbox, 'monday-copy.csv'), days[0]!.text);
      results.push(await connector.takeFile(join(inbox, 'monday-copy.csv')));
      writeFileSync(join(inbox, 'orders.csv'), days[0]!.text);
      results.push(await connector.takeFile(join(inbox, 'orders.csv')));
      await connector.close();
      expect(results.map((r) => [r?.status, r?.rows, r?.rejected])).toEqual([
        ['ingested', 3, 1],
        ['ingested', 3, 1],
        ['already-ingested', 0, 0],
        ['already-ingested', 0, 0],
      ]);

      await finishAtEnd(job, config);

      const db = store.database;
      const events = await queryRows<{ source_file: string; source_file_id: string; source_line: string; user_session: string }>(
        store,
        `SELECT source_file, source_file_id, source_line, user_session FROM ${db}.events ORDER BY event_time`,
      );
      const [mon, tue] = days.map((d) => idOf(d.text));
      expect(events.map((e) => [e.source_file, e.source_file_id, Number(e.source_line), e.user_session])).toEqual([
        ['orders.csv', mon, 2, 'mon-1'],
        ['orders.csv', mon, 3, 'mon-2'],
        ['orders.csv', mon, 5, 'mon-2'],
        ['orders.csv', tue, 2, 'tue-1'],
        ['orders.csv', tue, 3, 'tue-3'],
        ['orders.csv', tue, 5, 'tue-3'],
      ]);
      const rejected = await queryRows<{ source_file_id: string; source_line: string; raw_line: string }>(
        store,
        `SELECT source_file_id, source_line, raw_line FROM ${db}.rejected_events WHERE source_file = 'orders.csv' ORDER BY raw_line DESC`,
      );
      expect(rejected.map((r) => [r.source_file_id, Number(r.source_line), r.raw_line])).toEqual([
        [mon, 4, MONDAY[2]],
        [tue, 4, TUESDAY[2]],
      ]);
      await expectAggregatesMatchReference(store, reduceCsv(days.map((d) => join(d.dir, 'orders.csv')), new Set()), { final: true });
    } finally {
      await job.stop();
      await store.close();
    }
  });
});

describe('a file ingested before file ids', () => {
  it('continues, when it grows, with the id its rows were archived with', async () => {
    const c = { ...config, namespace: `${config.namespace}_g` };
    const kafka = createKafka(c, 'fileid-test');
    await ensureTopics(kafka, c.namespace);
    const before = csv(MONDAY);
    // The ledger entry an older connector wrote: no fileId.
    const producer = kafka.producer();
    await producer.connect();
    const legacy = { hash: sha256(before), name: 'orders.csv', size: Buffer.byteLength(before), lastLine: 5, done: true, rows: 3, rejected: 1, updatedAt: 1 };
    await producer.send({ topic: ledgerTopic(c.namespace), messages: [{ key: legacy.hash, value: JSON.stringify(legacy) }] });
    await producer.disconnect();

    const inbox = tempDir('fileid-grown');
    writeFileSync(join(inbox, 'orders.csv'), `${before}${TUESDAY[0]}\n`);
    const connector = new Connector(c, logger, { inbox });
    await connector.open();
    try {
      expect(await connector.takeFile(join(inbox, 'orders.csv'))).toMatchObject({ status: 'ingested', rows: 4, resumedAfterLine: 5 });
    } finally {
      await connector.close();
    }
    const decoder = new EventDecoder(createSchemaRegistry(c.schemaRegistryUrl));
    const records = (await readTopic(kafka, topics(c.namespace).events, 1)).map((m) => m.value);
    await decoder.prepare(records);
    expect(records.map((r) => decoder.decode(r))).toEqual([expect.objectContaining({ source_file: 'orders.csv', source_file_id: '', source_line: 6, user_session: 'tue-1' })]);
  });
});

describe('events written before file ids', () => {
  let store: Store;

  beforeAll(() => {
    store = openStore({ ...config, namespace: `${config.namespace}_m` });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('decode with an empty file id from a record of schema v1', async () => {
    const registry = createSchemaRegistry(config.schemaRegistryUrl);
    const v1 = readSchema('shop-event-v1');
    const v1Id = await registerEventSchema(registry, config.namespace, v1);
    await registerEventSchema(registry, config.namespace);
    const { source_file_id, ...old } = shopEvent();
    expect(source_file_id).not.toBe('');
    const record = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), avro.Type.forSchema(v1, avroOptions()).toBuffer(old)]);
    record.writeInt32BE(v1Id, 1);
    const decoder = new EventDecoder(registry);
    await decoder.prepare([record]);
    expect(decoder.decode(record)).toEqual({ ...old, source_file_id: '' });
  });

  it('are kept by migration 0006 with an empty id, and rows of another file of that name are added beside them', async () => {
    const db = store.database;
    // The store as the previous build left it: migrations 0001-0005 applied and recorded.
    expect(await migrate(store, 5)).toEqual([
      '0001_create_events',
      '0002_create_sales_per_product',
      '0003_create_customer_lifetime_value',
      '0004_create_late_and_rejected_events',
      '0005_create_stream_checkpoints',
    ]);
    const oldEvent = `('2019-10-01 10:00:00', 'view', 1, 2, '', 'b', 1.50, 3, 's', 'orders.csv', 2, now64(3))`;
    await store.client.command({ query: `INSERT INTO ${db}.events_data VALUES ${oldEvent}` });
    await store.client.command({
      query: `INSERT INTO ${db}.late_events_data VALUES ('2019-10-01 10:00:00', 'view', 1, 2, '', 'b', 1.50, 3, 's', 'orders.csv', 2, '2019-10-01 10:00:00', '2019-10-01 11:00:00')`,
    });
    await store.client.command({ query: `INSERT INTO ${db}.rejected_events_data VALUES ('orders.csv', 4, 'x', 'bad', now64(3))` });

    expect(await migrate(store, 6)).toEqual(['0006_source_file_id']);
    // Interrupted before it was recorded, the migration runs again harmlessly.
    for (const statement of loadMigrations(db).find((m) => m.version === 6)!.statements) await store.client.command({ query: statement });
    // Then the later migrations, so this build's writers find their columns.
    await migrate(store);

    const event = shopEvent({ source_file: 'orders.csv', source_line: 2, source_file_id: 'a1b2c3d4e5f60718' });
    await new StoreTables(store).writeLate([{ event, windowStart: event.event_time, watermark: event.event_time + 3_600_000, lateFor: 'window' }]);
    await new StoreTables(store).writeRejected([{ source_file: 'orders.csv', source_file_id: event.source_file_id, source_line: 4, raw_line: 'y', reason: 'bad', rejected_at: 0 }]);
    // The same row twice (a replay) stays one row.
    await new StoreTables(store).writeRejected([{ source_file: 'orders.csv', source_file_id: event.source_file_id, source_line: 4, raw_line: 'y', reason: 'bad', rejected_at: 0 }]);
    await store.client.command({
      query: `INSERT INTO ${db}.events_data (event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session, source_file, source_file_id, source_line, ingested_at)
              VALUES ('2019-10-02 10:00:00', 'view', 1, 2, '', 'b', 1.50, 3, 't', 'orders.csv', '${event.source_file_id}', 2, now64(3))`,
    });

    const ids = (table: string) =>
      queryRows<{ id: string; line: string }>(store, `SELECT source_file_id AS id, source_line AS line FROM ${db}.${table} WHERE source_file = 'orders.csv' ORDER BY id`);
    const both = (line: number) => [
      { id: '', line: String(line) },
      { id: event.source_file_id, line: String(line) },
    ];
    expect(await ids('events')).toEqual(both(2));
    expect(await ids('late_events')).toEqual(both(2));
    expect(await ids('rejected_events')).toEqual(both(4));
    const [before] = await queryRows<{ user_session: string }>(store, `SELECT user_session FROM ${db}.events WHERE source_file_id = ''`);
    expect(before).toEqual({ user_session: 's' });
  });
});
