// Which inbox files the connector takes and when, on the real broker and registry: files still
// being written, files that grow or shrink while read, .csv.gz, other names, links, special
// files and files that vanish. Records are counted per source line in <ns>.events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { pino, type Logger } from 'pino';
import type { Kafka } from 'kafkajs';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import type { ShopEvent } from '../../core/event.ts';
import { createSchemaRegistry } from '../../core/avro.ts';
import { Connector } from '../../ingest/index.ts';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { isolatedConfig, readTopic, tempDir, until } from '../helpers.ts';

const config = isolatedConfig('inboxfiles', { SALESINSIGHTS_FILE_QUIET_MS: '300' });
const t = topics(config.namespace);
let kafka: Kafka;
/** Records produced so far in this file's namespace, so each read waits for all of them. */
let produced = 0;

/** Row `i` of a test file: product_id and user_id i, price i cents, session `s<i>`: a cut-short row shows. */
const row = (i: number) => `2020-01-01 00:00:00 UTC,view,${i},1,,,${(i / 100).toFixed(2)},${i},s${i}`;
const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => row(from + k));
const csv = (from: number, to: number) => `${CSV_HEADER}\n${rows(from, to).join('\n')}\n`;

beforeAll(() => {
  kafka = createKafka(config, 'inbox-files-test');
});

/** The events of one source file, in line order, once `more` records were added to the topic. */
async function eventsOf(file: string, more: number): Promise<ShopEvent[]> {
  produced += more;
  const values = (await readTopic(kafka, t.events, produced, 1500)).map((m) => m.value);
  const decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
  await decoder.prepare(values);
  return values
    .map((v) => decoder.decode(v) as ShopEvent)
    .filter((e) => e.source_file === file)
    .sort((a, b) => a.source_line - b.source_line);
}

/** Source lines 2..n+1 (rows 1..n under the header), each once and whole. */
function expectRows(events: ShopEvent[], n: number): void {
  expect(events.map((e) => e.source_line)).toEqual(Array.from({ length: n }, (_, k) => k + 2));
  const whole = (e: ShopEvent) => e.price_cents === Number(e.product_id) && e.user_id === e.product_id && e.user_session === `s${e.product_id}`;
  expect(events.filter((e) => !whole(e))).toEqual([]);
}

/** A connector on its own inbox, with its warnings captured. */
async function openConnector(name: string, batchRows?: number) {
  const inbox = join(tempDir(name), 'inbox');
  mkdirSync(inbox, { recursive: true });
  const warnings: Array<{ file?: string; msg: string }> = [];
  const logger: Logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line) as { file?: string; msg: string }) });
  const connector = new Connector(config, logger, { inbox, batchRows });
  await connector.open();
  const warningsAbout = (file: string) => warnings.filter((w) => w.file === file).map((w) => w.msg);
  return { connector, inbox, warningsAbout };
}

const done = (inbox: string, file: string) => until(`${file} in .done`, async () => (existsSync(join(inbox, '.done', file)) ? true : undefined));

describe('a watched inbox', () => {
  let inbox: string;
  let connector: Connector;
  let warningsAbout: (file: string) => string[];
  beforeAll(async () => {
    ({ connector, inbox, warningsAbout } = await openConnector('watched'));
    await connector.watch();
  });
  afterAll(async () => {
    await connector?.close();
  });

  it('takes a file written in bursts with 1 s pauses only once it is closed: every row once, moved to .done whole', async () => {
    const path = join(inbox, 'a-bursts.csv');
    const fd = openSync(path, 'w');
    writeSync(fd, `${CSV_HEADER}\n${rows(1, 100).join('\n')}\n`);
    for (const [from, to] of [[101, 200], [201, 300]] as const) {
      await sleep(1000);
      writeSync(fd, `${rows(from, to).join('\n')}\n`);
    }
    closeSync(fd);
    await done(inbox, 'a-bursts.csv');
    expectRows(await eventsOf('a-bursts.csv', 300), 300);
    expect(readFileSync(join(inbox, '.done', 'a-bursts.csv'), 'utf8')).toBe(csv(1, 300));
  });

  it('ingests a .csv.gz slice, and leaves a .txt file and a link out of the inbox with one warning each', async () => {
    const outside = join(tempDir('outside'), 'secret.csv');
    writeFileSync(outside, csv(1, 5));
    symlinkSync(outside, join(inbox, 'b-link.csv'));
    writeFileSync(join(inbox, 'b-notes.txt'), csv(1, 5));
    writeFileSync(join(inbox, 'c-slice.csv.gz'), gzipSync(csv(1, 20)));
    await done(inbox, 'c-slice.csv.gz');
    writeFileSync(join(inbox, 'b-notes.txt'), 'touched again'); // a change is no second warning
    writeFileSync(join(inbox, 'd-after.csv'), csv(1, 2));
    await done(inbox, 'd-after.csv');

    expectRows(await eventsOf('c-slice.csv.gz', 22), 20);
    expect(await eventsOf('b-link.csv', 0)).toEqual([]);
    expect(await eventsOf('b-notes.txt', 0)).toEqual([]);
    expect(existsSync(join(inbox, 'b-link.csv')) && existsSync(join(inbox, 'b-notes.txt'))).toBe(true);
    expect(warningsAbout('b-notes.txt')).toEqual([expect.stringMatching(/not a data file name/)]);
    expect(warningsAbout('b-link.csv')).toEqual([expect.stringMatching(/symbolic link/)]);
  });

  it('an empty file and one not in UTF-8 move to .failed with their own reason; UTF-16BE with its BOM is read', async () => {
    const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();
    const files: Array<[string, Buffer, string]> = [
      ['m-empty.csv', Buffer.alloc(0), 'ING_ERR_EMPTY_FILE: the file is empty: m-empty.csv has 0 bytes'],
      ['n-bom-only.csv', Buffer.from([0xef, 0xbb, 0xbf]), 'ING_ERR_EMPTY_FILE: the file is empty: n-bom-only.csv has 3 bytes but no header row'],
      ['o-blank.csv', Buffer.from('\n\r\n\n'), 'ING_ERR_EMPTY_FILE: the file is empty: o-blank.csv has 4 bytes but no header row'],
      ['p-utf16be.csv', utf16be(csv(1, 3)), 'ING_ERR_NOT_UTF8: not UTF-8: UTF-16BE detected (no byte order mark) in p-utf16be.csv: re-encode it as UTF-8'],
      ['q-utf16le.csv', Buffer.from(csv(1, 3), 'utf16le'), 'ING_ERR_NOT_UTF8: not UTF-8: UTF-16LE detected (no byte order mark) in q-utf16le.csv'],
      ['r-utf32.csv', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from(csv(1, 3).replace(/./gs, (c) => `${c}\0\0\0`), 'latin1')]), 'ING_ERR_NOT_UTF8: not UTF-8: UTF-32LE detected (byte order mark) in r-utf32.csv'],
    ];
    // As a user would: each file written under a hidden name, then renamed into the watched inbox.
    const drop = (name: string, bytes: Buffer) => {
      writeFileSync(join(inbox, `.${name}.partial`), bytes);
      renameSync(join(inbox, `.${name}.partial`), join(inbox, name));
    };
    for (const [name, bytes] of files) drop(name, bytes);
    drop('s-utf16be-bom.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(csv(1, 3))]));
    for (const [name, , reason] of files) {
      const text = await until(`${name}.reason`, async () => (existsSync(join(inbox, '.failed', `${name}.reason`)) ? readFileSync(join(inbox, '.failed', `${name}.reason`), 'utf8') : undefined));
      expect(text.startsWith(reason), `${name}: ${text}`).toBe(true);
    }
    await done(inbox, 's-utf16be-bom.csv');
    expectRows(await eventsOf('s-utf16be-bom.csv', 3), 3);
  });
});

describe('a file taken directly', () => {
  let inbox: string;
  let connector: Connector;
  beforeAll(async () => {
    ({ connector, inbox } = await openConnector('direct', 500));
  });
  afterAll(async () => {
    await connector?.close();
  });

  /** Takes `path`; once its first transaction is committed, runs `meanwhile` on the open file. */
  async function whileRead(path: string, meanwhile: (fd: number) => void) {
    const fd = openSync(path, 'r+');
    const admin = kafka.admin();
    await admin.connect();
    const high = () => admin.fetchTopicOffsets(t.events).then((p) => p.reduce((n, o) => n + Number(o.high), 0));
    const before = await high();
    const taking = connector.takeFile(path);
    await until('a first committed batch', async () => ((await high()) > before ? true : undefined));
    meanwhile(fd);
    closeSync(fd);
    await admin.disconnect();
    return taking;
  }

  it('gets the rows appended after its first part was committed, exactly once, the cut-short last row whole', async () => {
    const path = join(inbox, 'e-grows.csv');
    const whole = csv(1, 60_010);
    // The first part ends in the middle of row 60 000's session.
    const cut = whole.indexOf(`${row(60_000)}\n`) + row(60_000).length - 2;
    writeFileSync(path, whole.slice(0, cut));
    const result = await whileRead(path, (fd) => writeSync(fd, whole.slice(cut), cut));
    expect(result).toMatchObject({ status: 'ingested', rows: 60_010 });
    expectRows(await eventsOf('e-grows.csv', 60_010), 60_010);
    expect(readFileSync(join(inbox, '.done', 'e-grows.csv'), 'utf8')).toBe(whole);
  });

  it('is refused, moved to .failed with a reason, when it shrinks while read', async () => {
    const path = join(inbox, 'f-shrinks.csv');
    writeFileSync(path, csv(1, 60_000));
    expect(await whileRead(path, (fd) => ftruncateSync(fd, 100))).toBeUndefined();
    expect(readFileSync(join(inbox, '.failed', 'f-shrinks.csv.reason'), 'utf8')).toMatch(/ING_ERR_FILE_CHANGED.*shrank/);
  });

  it('grown since it was ingested, gets only its new rows; the same content again is not ingested twice', async () => {
    const dir = tempDir('grown');
    const path = join(dir, 'g-day.csv');
    writeFileSync(path, csv(1, 10));
    await connector.takeFile(path, { inPlace: true });
    appendFileSync(path, `${rows(11, 15).join('\n')}\n`);
    expect(await connector.takeFile(path, { inPlace: true })).toMatchObject({ status: 'ingested', rows: 15, resumedAfterLine: 11 });
    writeFileSync(join(dir, 'g-copy.csv'), csv(1, 15));
    expect(await connector.takeFile(join(dir, 'g-copy.csv'), { inPlace: true })).toMatchObject({ status: 'already-ingested' });
    expectRows(await eventsOf('g-day.csv', 15), 15);
  });

  it('a corrupt .csv.gz moves to .failed with a reason', async () => {
    const gz = gzipSync(csv(1, 10));
    writeFileSync(join(inbox, 'h-corrupt.csv.gz'), Buffer.concat([gz.subarray(0, 20), Buffer.alloc(40, 7)]));
    expect(await connector.takeFile(join(inbox, 'h-corrupt.csv.gz'))).toBeUndefined();
    expect(readFileSync(join(inbox, '.failed', 'h-corrupt.csv.gz.reason'), 'utf8')).toMatch(/ING_ERR_UNREADABLE_FILE/);
  });

  it('a link is not read, and a file that vanished before it was read does not stop the next one', async () => {
    const outside = join(tempDir('outside'), 'secret.csv');
    writeFileSync(outside, csv(1, 5));
    symlinkSync(outside, join(inbox, 'i-link.csv'));
    expect(await connector.takeFile(join(inbox, 'i-link.csv'))).toBeUndefined();
    expect(readFileSync(join(inbox, '.failed', 'i-link.csv.reason'), 'utf8')).toMatch(/symbolic link/);
    expect(await connector.takeFile(join(inbox, 'j-vanished.csv'))).toBeUndefined();
    expect(existsSync(join(inbox, '.failed', 'j-vanished.csv.reason'))).toBe(false);
    writeFileSync(join(inbox, 'k-next.csv'), csv(1, 3));
    expect(await connector.takeFile(join(inbox, 'k-next.csv'))).toMatchObject({ status: 'ingested', rows: 3 });
    expect(await eventsOf('i-link.csv', 3)).toEqual([]);
  });
});

describe('connect --once (drainInbox)', () => {
  it('takes .csv and .csv.gz in lexical order and passes over a fifo, a directory, a dangling link and a .txt', async () => {
    const { connector, inbox, warningsAbout } = await openConnector('drain');
    try {
      execFileSync('mkfifo', [join(inbox, 'a-fifo.csv')]);
      mkdirSync(join(inbox, 'b-dir.csv'));
      symlinkSync(join(inbox, 'nowhere.csv'), join(inbox, 'c-dangling.csv'));
      writeFileSync(join(inbox, 'd-notes.txt'), 'notes');
      writeFileSync(join(inbox, 'e-slice.csv.gz'), gzipSync(csv(1, 4)));
      writeFileSync(join(inbox, 'f-slice.csv'), csv(1, 6));
      await connector.drainInbox();
      expect(connector.results.map((r) => [r.file, r.rows])).toEqual([['e-slice.csv.gz', 4], ['f-slice.csv', 6]]);
      for (const file of ['a-fifo.csv', 'b-dir.csv', 'c-dangling.csv', 'd-notes.txt']) {
        expect(warningsAbout(file), file).toHaveLength(1);
        expect(lstatSync(join(inbox, file), { throwIfNoEntry: false }), `${file} left alone`).toBeDefined();
      }
      expectRows(await eventsOf('e-slice.csv.gz', 10), 4);
    } finally {
      await connector.close();
    }
  });
});
