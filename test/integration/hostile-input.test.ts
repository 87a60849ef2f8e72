// Hostile input against the main job: `salesinsights start` gets, beside a clean day, a slice
// holding one row of every class of bad input (out-of-range times, a 2 MB line, latin-1 bytes,
// an unterminated quote, bad fields), a file without the required columns and a link out of the
// inbox, plus hostile requests on POST /api/events. Afterwards the job is still up, each bad row
// is in rejected_events with its reason, every good row is in events, and the aggregates equal
// the independent reducer's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSV_HEADER, generate } from '../../ingest/tools/generate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { spawnCli, stopCli, type CliProcess } from '../cli-process.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';
import { expectAggregatesMatchReference, reduceCsv } from '../reference.ts';

const config = isolatedConfig('hostile');
const inbox = join(config.home, 'inbox');
const HOSTILE_FILE = '2019-10-02.csv';

/** A bad row as it lands in the file, and what its rejection must say. */
interface BadRow {
  bytes: Buffer;
  reason: RegExp;
}

const text = (s: string) => Buffer.from(s, 'utf8');
const row = (time: string, rest = 'purchase,5809910,1602943681873052386,,grattol,5.24,595414620,s-1') => text(`${time},${rest}`);
const OUT_OF_RANGE = /is outside the plausible range 2000-01-01T00:00:00Z \.\./;

const BAD_ROWS: BadRow[] = [
  { bytes: row('1970-01-01 00:00:00 UTC'), reason: OUT_OF_RANGE },
  { bytes: row('1969-12-31 23:59:59 UTC'), reason: OUT_OF_RANGE },
  { bytes: row('0001-01-01T00:00:00Z'), reason: OUT_OF_RANGE },
  { bytes: row('9999-12-31 23:59:59 UTC'), reason: OUT_OF_RANGE },
  { bytes: row('2107-01-01 00:00:00 UTC'), reason: OUT_OF_RANGE },
  // Over the row limit and over Kafka's 1 MB message limit.
  { bytes: row('2019-10-02 12:00:00 UTC', `view,1,1,,${'x'.repeat(2 << 20)},1.00,1,s`), reason: /row of \d+ bytes is longer than the limit of 65536/ },
  { bytes: Buffer.concat([text('2019-10-02 12:00:01 UTC,view,5809910,1,,caf'), Buffer.from([0xe9]), text(',1.00,595414620,s')]), reason: /not valid UTF-8 \(byte 0xE9 at column 44\)/ },
  { bytes: row('2019-10-02 12:00:02 UTC', 'view,5809910,1,"never closed,grattol,1.00,595414620,s'), reason: /unterminated quote: the quoted field opened at column 40/ },
  { bytes: row('2019-10-02 12:00:03 UTC', 'view,5809910,1,"a"b,grattol,1.00,595414620,s'), reason: /unparsable CSV: the closing quote at column 42/ },
  { bytes: row('2019-10-02 12:00:04 UTC', 'purchase,5809910,1,,grattol,12.345,595414620,s'), reason: /bad price "12\.345"/ },
  { bytes: row('2019-10-02 12:00:05 UTC', 'purchase,5809910,1,,grattol,-1.00,595414620,s'), reason: /negative price/ },
  { bytes: row('2019-10-02 12:00:06 UTC', 'wishlist,5809910,1,,grattol,1.00,595414620,s'), reason: /unknown event_type "wishlist"/ },
  { bytes: row('2019-10-02 12:00:07 UTC', 'view,58099x0,1,,grattol,1.00,595414620,s'), reason: /bad product_id "58099x0"/ },
  { bytes: row('2019-10-02 12:00:08 UTC', 'view,5809910,99999999999999999999,,grattol,1.00,595414620,s'), reason: /bad category_id .* above 2\^63-1/ },
  { bytes: row('2019-10-02 12:00:09 UTC', 'view,5809910,1,,grattol,1.00'), reason: /wrong column count: expected 9, got 7/ },
  { bytes: row('2019-02-30 12:00:00 UTC'), reason: /no such date or time/ },
  { bytes: row('yesterday'), reason: /bad event_time "yesterday"/ },
  { bytes: Buffer.alloc(40, 0), reason: /wrong column count/ },
];

let reference: ReturnType<typeof reduceCsv>;
/** Line of each bad row in the hostile file. */
const badLines: number[] = [];
let hostileBytes: Buffer;
let app: CliProcess;
let url: string;

/** Writes under a dot-name, then renames, as a careful writer does. */
function drop(name: string, bytes: Buffer): void {
  const partial = join(inbox, `.${name}.partial`);
  writeFileSync(partial, bytes);
  renameSync(partial, join(inbox, name));
}

beforeAll(async () => {
  const data = tempDir('hostile-data');
  const files = await generate({ days: 2, rowsPerDay: 3000, out: data, seed: 9 });
  reference = reduceCsv(files, new Set());
  // Day two with a bad row after every 150th good one: the good rows keep their order.
  const good = readFileSync(files[1]!, 'utf8').trimEnd().split('\n').slice(1);
  const lines: Buffer[] = [text(CSV_HEADER)];
  good.forEach((line, i) => {
    const bad = BAD_ROWS[i / 150];
    if (i % 150 === 0 && bad) {
      lines.push(bad.bytes);
      badLines.push(lines.length);
    }
    lines.push(text(line));
  });
  expect(badLines).toHaveLength(BAD_ROWS.length);
  hostileBytes = Buffer.concat(lines.flatMap((l) => [l, text('\r\n')]));

  mkdirSync(inbox, { recursive: true });
  app = spawnCli(config, ['start', '--port', '0'], 'start');
  url = await until('the dashboard URL', async () => /dashboard: (http:\/\/\S+)/.exec(readFileSync(app.log, 'utf8'))?.[1], 120_000);
  drop('2019-10-01.csv', readFileSync(files[0]!));
}, 600_000);

afterAll(async () => {
  if (app) await stopCli(app, 'SIGKILL');
});

interface Health {
  eventsTotal: number;
  store: { rejected: number };
  components: Record<string, { state: string }>;
}

const health = async () => (await (await fetch(`${url}/api/health`)).json()) as Health;

describe('hostile input dropped into a running start', () => {
  it('keeps the job up, rejects each bad row with its reason, stores every good row once, and aggregates like the reducer', async () => {
    drop('2019-10-01b-no-columns.csv', text('event_time,event_type,price\n2019-10-01 00:00:00 UTC,view,1.00\n'));
    symlinkSync('/etc/passwd', join(inbox, '2019-10-01c-link.csv'));
    drop(HOSTILE_FILE, hostileBytes);

    // The HTTP source: a body nested too deep is refused, a year-9999 item is a rejected row.
    const post = (body: string) => fetch(`${url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const deep = await post('['.repeat(100_000) + ']'.repeat(100_000));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ code: 'ING_ERR_BODY' });
    const future = await post(JSON.stringify([{ event_time: '9999-12-31 23:59:59 UTC', event_type: 'purchase', product_id: 1, category_id: 1, category_code: '', brand: '', price: 1, user_id: 1, user_session: '' }]));
    expect(future.status).toBe(200);
    expect(await future.json()).toMatchObject({ accepted: 0, rejected: 1, rejections: [{ line: 1, reason: expect.stringMatching(OUT_OF_RANGE) }] });

    const done = await until(
      'every row stored or rejected',
      async () => {
        const h = await health();
        return h.eventsTotal >= reference.validRows && h.store.rejected >= BAD_ROWS.length + 1 ? h : undefined;
      },
      180_000,
    );
    for (const [name, c] of Object.entries(done.components)) expect(c.state, name).toBe('running');
    expect(existsSync(join(inbox, '.done', HOSTILE_FILE))).toBe(true);
    expect(existsSync(join(inbox, '.failed', '2019-10-01b-no-columns.csv'))).toBe(true);
    expect(existsSync(join(inbox, '2019-10-01c-link.csv'))).toBe(true); // left alone, not followed
    expect(await stopCli(app)).toBe(0);

    const store = openStore(config);
    try {
      const db = store.database;
      const rejected = await queryRows<{ source_file: string; line: string; raw_line: string; reason: string }>(
        store,
        `SELECT source_file, source_line AS line, raw_line, reason FROM ${db}.rejected_events ORDER BY source_file, source_line`,
      );
      const fromFile = rejected.filter((r) => r.source_file === HOSTILE_FILE);
      expect(fromFile.map((r) => Number(r.line))).toEqual(badLines);
      fromFile.forEach((r, i) => expect(r.reason, `line ${r.line}`).toMatch(BAD_ROWS[i]!.reason));
      expect(fromFile.every((r) => r.raw_line.length <= 2048)).toBe(true); // the 2 MB line is kept truncated
      expect(rejected.filter((r) => r.source_file.startsWith('http:')).map((r) => r.reason)).toEqual([expect.stringMatching(OUT_OF_RANGE)]);
      expect(rejected).toHaveLength(BAD_ROWS.length + 1);

      const perFile = await queryRows<{ file: string; n: string }>(store, `SELECT source_file AS file, count() AS n FROM ${db}.events GROUP BY file ORDER BY file`);
      expect(perFile.map((r) => [r.file, Number(r.n)])).toEqual([
        ['2019-10-01.csv', 3000],
        [HOSTILE_FILE, 3000],
      ]);
      await expectAggregatesMatchReference(store, reference, { final: false });
    } finally {
      await store.close();
    }
  }, 600_000);
});
