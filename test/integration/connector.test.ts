// The connector on the real broker and registry: valid rows to <ns>.events, malformed rows to
// <ns>.events-rejected, exactly once per line across a kill -9, columns by header name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { logger } from '../../core/logger.ts';
import type { RejectedRow, ShopEvent } from '../../core/event.ts';
import { createSchemaRegistry } from '../../core/avro.ts';
import { Connector } from '../../ingest/index.ts';
import { IngestLedger, ledgerTopic, type LedgerEntry } from '../../ingest/ledger.ts';
import { EventProducer } from '../../ingest/producer.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { CSV_HEADER as HEADER, generate } from '../../ingest/tools/generate.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { spawnCli, stopCli } from '../cli-process.ts';
import { isolatedConfig, readTopic, tempDir, until } from '../helpers.ts';

// Valid rows (one duplicated, one with quotes and commas), then malformed ones. BOM, CRLF, and
// no final newline.
const MIXED_ROWS = [
  '2020-01-01 00:00:00 UTC,view,5809910,1602943681873052386,,grattol,5.24,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a',
  '2020-01-01 00:00:00 UTC,view,5809910,1602943681873052386,,grattol,5.24,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a',
  '2020-01-01 00:00:05 UTC,purchase,5802432,9223372036854775807,"beauty, ""care""","brand,co",0.32,463240011,',
  '2020-01-01T00:00:09Z,cart,5844397,1602943681873052386,,,2.38,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a',
  '2020-13-01 00:00:00 UTC,view,1,1,,,1.00,1,s', // bad timestamp
  '2020-01-01 00:00:10 UTC,wishlist,1,1,,,1.00,1,s', // unknown type
  '2020-01-01 00:00:10 UTC,view,1,1,,,-3.00,1,s', // negative price
  '2020-01-01 00:00:10 UTC,view,1,1,,,abc,1,s', // bad price
  '2020-01-01 00:00:10 UTC,view,1.5,1,,,1.00,1,s', // non-integer id
  '2020-01-01 00:00:10 UTC,view,1,1,,,1.00,1', // wrong column count
];

let kafka: Kafka;
const config = isolatedConfig('connector');
const t = topics(config.namespace);

beforeAll(() => {
  kafka = createKafka(config, 'connector-test');
});

async function decodeAll(values: Array<Buffer | null>): Promise<ShopEvent[]> {
  const decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
  await decoder.prepare(values);
  return values.map((v) => decoder.decode(v) as ShopEvent);
}

const withoutIngestTime = ({ ingested_at: _, ...rest }: ShopEvent) => rest;

describe('connector', () => {
  const inbox = tempDir('inbox');
  let connector: Connector;

  beforeAll(async () => {
    connector = new Connector(config, logger, { inbox });
    await connector.open();
  });
  afterAll(async () => {
    await connector?.close();
  });

  it('sends exactly the valid rows to the events topic and the malformed ones, with reasons, to the rejected topic', async () => {
    const text = `\uFEFF${HEADER}\r\n${MIXED_ROWS.join('\r\n')}`;
    writeFileSync(join(inbox, 'a-mixed.csv'), text);
    const source_file_id = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const result = await connector.takeFile(join(inbox, 'a-mixed.csv'));
    expect(result).toMatchObject({ status: 'ingested', rows: 4, rejected: 6 });
    expect(existsSync(join(inbox, '.done', 'a-mixed.csv'))).toBe(true);

    const events = (await decodeAll((await readTopic(kafka, t.events, 4)).map((m) => m.value))).sort(
      (a, b) => a.source_line - b.source_line,
    );
    expect(events.map(withoutIngestTime)).toEqual([
      { event_time: Date.UTC(2020, 0, 1), event_type: 'view', product_id: 5809910n, category_id: 1602943681873052386n, category_code: null, brand: 'grattol', price_cents: 524, user_id: 595414620n, user_session: '4adb70bb-edbd-4981-b60f-a05bfd32683a', source_file: 'a-mixed.csv', source_file_id, source_line: 2 },
      { event_time: Date.UTC(2020, 0, 1), event_type: 'view', product_id: 5809910n, category_id: 1602943681873052386n, category_code: null, brand: 'grattol', price_cents: 524, user_id: 595414620n, user_session: '4adb70bb-edbd-4981-b60f-a05bfd32683a', source_file: 'a-mixed.csv', source_file_id, source_line: 3 },
      { event_time: Date.UTC(2020, 0, 1, 0, 0, 5), event_type: 'purchase', product_id: 5802432n, category_id: 9223372036854775807n, category_code: 'beauty, "care"', brand: 'brand,co', price_cents: 32, user_id: 463240011n, user_session: null, source_file: 'a-mixed.csv', source_file_id, source_line: 4 },
      { event_time: Date.UTC(2020, 0, 1, 0, 0, 9), event_type: 'cart', product_id: 5844397n, category_id: 1602943681873052386n, category_code: null, brand: null, price_cents: 238, user_id: 595414620n, user_session: '4adb70bb-edbd-4981-b60f-a05bfd32683a', source_file: 'a-mixed.csv', source_file_id, source_line: 5 },
    ]);

    const rejected = (await readTopic(kafka, t.rejected, 6)).map((m) => JSON.parse(m.value!.toString()) as RejectedRow);
    rejected.sort((a, b) => a.source_line - b.source_line);
    expect(rejected.map((r) => [r.source_file_id, r.source_line])).toEqual([6, 7, 8, 9, 10, 11].map((line) => [source_file_id, line]));
    expect(rejected.map((r) => r.raw_line)).toEqual(MIXED_ROWS.slice(4));
    const reasons = rejected.map((r) => r.reason);
    expect(reasons[0]).toMatch(/event_time/);
    expect(reasons[1]).toMatch(/unknown event_type/);
    expect(reasons[2]).toMatch(/negative price/);
    expect(reasons[3]).toMatch(/bad price/);
    expect(reasons[4]).toMatch(/product_id/);
    expect(reasons[5]).toMatch(/column count/);
  });

  it('skips a file dropped again, and gives the same records for reordered columns plus an extra column', async () => {
    writeFileSync(join(inbox, 'b-again.csv'), `\uFEFF${HEADER}\r\n${MIXED_ROWS.join('\r\n')}`);
    expect(await connector.takeFile(join(inbox, 'b-again.csv'))).toMatchObject({ status: 'already-ingested' });

    const order = [8, 0, 6, 'extra', 1, 2, 3, 4, 5, 7] as const;
    const names = HEADER.split(',');
    const cells = (row: string) => row.split(',');
    const simple = [MIXED_ROWS[0]!, MIXED_ROWS[3]!];
    const reordered = [
      order.map((i) => (i === 'extra' ? 'note' : names[i])).join(','),
      ...simple.map((row) => order.map((i) => (i === 'extra' ? 'x' : cells(row)[i])).join(',')),
    ].join('\n');
    const plainDir = tempDir('plain');
    const reorderedDir = tempDir('reordered');
    writeFileSync(join(plainDir, 'c.csv'), [HEADER, ...simple].join('\n'));
    writeFileSync(join(reorderedDir, 'c.csv'), reordered);
    const before = (await readTopic(kafka, t.events, 4, 500)).length;
    await connector.takeFile(join(plainDir, 'c.csv'), { inPlace: true });
    await connector.takeFile(join(reorderedDir, 'c.csv'), { inPlace: true });
    const all = await decodeAll((await readTopic(kafka, t.events, before + 4)).map((m) => m.value));
    const fromC = all.filter((e) => e.source_file === 'c.csv').map(withoutIngestTime);
    expect(fromC).toHaveLength(4);
    // Two files of one name: the same events but for the file id, each file's own.
    const key = ({ source_file_id: _, ...e }: Omit<ShopEvent, 'ingested_at'>) => JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const [plain, moved] = [fromC.slice(0, 2), fromC.slice(2)];
    expect(new Set(moved.map(key))).toEqual(new Set(plain.map(key)));
    expect(new Set(fromC.map((e) => e.source_file_id)).size).toBe(2);
  });

  it('moves a file whose header lacks a required column to .failed with a reason, producing nothing', async () => {
    writeFileSync(join(inbox, 'd-bad-header.csv'), 'event_time,event_type,product_id\n2020-01-01 00:00:00 UTC,view,1\n');
    expect(await connector.takeFile(join(inbox, 'd-bad-header.csv'))).toBeUndefined();
    expect(readFileSync(join(inbox, '.failed', 'd-bad-header.csv.reason'), 'utf8')).toMatch(/category_id/);
    const events = await decodeAll((await readTopic(kafka, t.events, 0, 1500)).map((m) => m.value));
    expect(events.some((e) => e.source_file === 'd-bad-header.csv')).toBe(false);
  });
});

describe('connector watching an inbox', () => {
  it('takes a file dropped into an inbox that did not exist yet, and moves it to .done', async () => {
    const inbox = join(tempDir('watch'), 'inbox');
    const watcher = new Connector(config, logger, { inbox });
    await watcher.open();
    await watcher.watch();
    try {
      writeFileSync(join(inbox, '.late-arrival.csv.partial'), `${HEADER}\n${MIXED_ROWS[3]}\n`);
      renameSync(join(inbox, '.late-arrival.csv.partial'), join(inbox, 'late-arrival.csv'));
      await until('late-arrival.csv in .done', async () => (existsSync(join(inbox, '.done', 'late-arrival.csv')) ? true : undefined), 10_000, 100);
      expect(watcher.results.map((r) => [r.file, r.rows])).toEqual([['late-arrival.csv', 1]]);
    } finally {
      await watcher.close();
    }
  });
});

describe('connector killed with SIGKILL mid-file', () => {
  const killConfig = isolatedConfig('kill');
  const killTopics = topics(killConfig.namespace);
  const run = (inbox: string, name: string) => spawnCli(killConfig, ['connect', '--once', '--inbox', inbox], name);

  it('produces every line exactly once after a restart', async () => {
    const source = tempDir('kill-src');
    // Large enough that the kill lands mid-file: the connector ingests well over 100k rows/s.
    const rows = 600_000;
    const [file] = await generate({ days: 1, rowsPerDay: rows, out: source, seed: 11 });
    const inbox = tempDir('kill-inbox');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, 'day.csv'), readFileSync(file!));

    const first = run(inbox, 'connect-killed');
    // Kill at a random moment once the connector has sent a few transactions (so some are
    // committed), long before the end of the file.
    const admin = createKafka(killConfig, 'kill-watch').admin();
    await admin.connect();
    const sent = () => admin.fetchTopicOffsets(killTopics.events).then((p) => p.reduce((n, o) => n + Number(o.high), 0), () => 0);
    await until('20,000 events sent', async () => ((await sent()) >= 20_000 ? true : undefined), 60_000, 50);
    await admin.disconnect();
    await sleep(Math.random() * 1000);
    expect(first.child.exitCode, 'the connector must still be ingesting when it is killed').toBeNull();
    await stopCli(first, 'SIGKILL');
    expect(existsSync(join(inbox, 'day.csv')), 'the kill must interrupt the file').toBe(true);
    const partial = (await readTopic(kafka, killTopics.events, 1, 1500)).length;
    expect(partial).toBeLessThan(rows);

    expect(await run(inbox, 'connect-again').exited).toBe(0);
    expect(readdirSync(join(inbox, '.done'))).toContain('day.csv');

    const messages = await readTopic(createKafka(killConfig, 'kill-reader'), killTopics.events, rows, 3000);
    expect(messages).toHaveLength(rows);
    const decoded = await (async () => {
      const decoder = new EventDecoder(createSchemaRegistry(killConfig.schemaRegistryUrl));
      await decoder.prepare(messages.slice(0, 1).map((m) => m.value));
      return messages.map((m) => decoder.decode(m.value) as ShopEvent);
    })();
    const lines = new Set(decoded.map((e) => e.source_line));
    expect(lines.size).toBe(rows);
    const sorted = [...lines].sort((a, b) => a - b);
    expect(sorted[0]).toBe(2);
    expect(sorted[sorted.length - 1]).toBe(rows + 1);
  });
});

describe('ingest ledger', () => {
  it("is read to its end once a restarted producer has taken the killed one's transactional id", async () => {
    const c = isolatedConfig('ledger');
    const k = createKafka(c, 'ledger-test');
    await ensureTopics(k, c.namespace);
    const entry = (name: string, lastLine: number): LedgerEntry => ({ hash: `h-${name}`, name, fileId: `id-${name}`, size: 1, lastLine, done: false, rows: lastLine - 1, rejected: 0, updatedAt: 1 });
    const ledger = new IngestLedger('ledger-test');

    const first = new EventProducer(k, c.namespace, `${c.namespace}.ledger-test`);
    await first.connect();
    await first.commit({ events: [], rejected: [], ledgerEntry: entry('a.csv', 10) }, ledger);
    await first.disconnect();
    // A predecessor killed mid-transaction: its ledger record is written but never committed.
    const zombie = k.producer({ transactionalId: `${c.namespace}.ledger-test`, idempotent: true, maxInFlightRequests: 1 });
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send({ topic: ledgerTopic(c.namespace), messages: [ledger.message(entry('a.csv', 20))] });

    // Without the fencing the open transaction holds the end back until its 60 s timeout, and
    // this load (20 s) fails.
    const restarted = new EventProducer(k, c.namespace, `${c.namespace}.ledger-test`);
    await restarted.connect();
    const loaded = await IngestLedger.load(k, c.namespace, 'ledger-test', 20_000);
    expect(loaded.get('h-a.csv')).toMatchObject({ name: 'a.csv', lastLine: 10 });
    await restarted.disconnect();
    await zombie.disconnect().catch(() => undefined);
  });
});
