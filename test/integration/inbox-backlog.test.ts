// A backlog of small files left in the inbox while the connector was down, drained by the
// watching connector on the real broker and registry: every row once, the files in lexical order,
// a file held open by a writer left until it is closed, dot-files, in-progress names, links and
// fifos left alone. Drained one pass per batch of files, not one pass over the inbox per file
// (which would take minutes for this backlog: that is what the test's own timeout catches).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import type { ShopEvent } from '../../core/event.ts';
import { createSchemaRegistry } from '../../core/avro.ts';
import { Connector } from '../../ingest/index.ts';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { isolatedConfig, readTopic, tempDir, until } from '../helpers.ts';

const config = isolatedConfig('backlog', { SALESINSIGHTS_FILE_QUIET_MS: '300' });
const FILES = 2000;
/** The file a writer holds open while the rest of the backlog drains. */
const HELD = 1000;
const name = (i: number) => `backlog-${String(i).padStart(4, '0')}.csv`;

describe('a backlog of small files', () => {
  const inbox = join(tempDir('backlog'), 'inbox');
  const warnings: Array<{ file?: string; msg: string }> = [];
  let connector: Connector;

  beforeAll(async () => {
    mkdirSync(inbox, { recursive: true });
    const past = new Date(Date.now() - 60_000);
    for (let i = 1; i <= FILES; i++) {
      const path = join(inbox, name(i));
      writeFileSync(path, `${CSV_HEADER}\n2020-01-01 00:00:00 UTC,view,${i},1,,,1.00,${i},s${i}\n`);
      utimesSync(path, past, past);
    }
    const outside = join(tempDir('backlog-outside'), 'outside.csv');
    writeFileSync(outside, `${CSV_HEADER}\n`);
    symlinkSync(outside, join(inbox, 'backlog-link.csv'));
    execFileSync('mkfifo', [join(inbox, 'backlog-fifo.csv')]);
    for (const other of ['.backlog-hidden.csv', 'backlog-9999.csv.part']) writeFileSync(join(inbox, other), `${CSV_HEADER}\n`);
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line) as { file?: string; msg: string }) });
    connector = new Connector(config, logger, { inbox });
    await connector.open();
  });
  afterAll(async () => {
    await connector?.close();
  });

  it('drains every file once in lexical order; the one held open waits for its writer; others are left alone', async () => {
    const writer = openSync(join(inbox, name(HELD)), 'r');
    try {
      await connector.watch();
      await until('all files but the held one', async () => (connector.results.length >= FILES - 1 ? true : undefined), 150_000);
      expect(existsSync(join(inbox, name(HELD)))).toBe(true);
    } finally {
      closeSync(writer);
    }
    await connector.whenIdle();

    const taken = connector.results.map((r) => r.file);
    const others = Array.from({ length: FILES }, (_, k) => name(k + 1)).filter((f) => f !== name(HELD));
    expect(taken).toEqual([...others, name(HELD)]);
    expect(connector.results.every((r) => r.status === 'ingested' && r.rows === 1 && r.rejected === 0)).toBe(true);
    expect(connector.failed).toEqual([]);
    expect(readdirSync(join(inbox, '.done')).length).toBe(FILES);
    expect(readdirSync(inbox).sort()).toEqual(['.backlog-hidden.csv', '.done', 'backlog-9999.csv.part', 'backlog-fifo.csv', 'backlog-link.csv']);
    const warned = (file: string) => warnings.filter((w) => w.file === file).map((w) => w.msg);
    expect(warned('backlog-link.csv')).toEqual([expect.stringMatching(/symbolic link/)]);
    expect(warned('backlog-fifo.csv')).toEqual([expect.stringMatching(/fifo/)]);

    // Every row in Kafka exactly once: file i holds product i.
    const values = (await readTopic(createKafka(config, 'backlog-test'), topics(config.namespace).events, FILES, 1500)).map((m) => m.value);
    const decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
    await decoder.prepare(values);
    const events = values.map((v) => decoder.decode(v) as ShopEvent);
    expect(events.map((e) => `${e.source_file}:${e.source_line}:${e.product_id}`).sort()).toEqual(
      Array.from({ length: FILES }, (_, k) => `${name(k + 1)}:2:${k + 1}`).sort(),
    );
  }, 240_000);
});
