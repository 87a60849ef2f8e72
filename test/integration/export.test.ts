// export without a running start: the CLI opens the embedded store itself (Parquet written by the
// engine, csv and jsonl streamed), and ClickHouse reads every file back equal to its table; a bare
// name must be a public table, a query passes the read-only rule, and a failed export leaves no file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../../aggregates/migrate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { cliEnv, runCli, spawnCli, stopCli, type CliProcess, type CliRun } from '../cli-process.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';
import { answer, fileRows, seedEvents } from '../store-seed.ts';

const config = isolatedConfig('export');
const db = config.namespace;
const dir = tempDir('export-files');
const ROWS = 20_000;

const cli = (args: string[]): Promise<CliRun> => runCli(args, cliEnv(config, { LOG_LEVEL: 'warn' }));

/** The store, opened here only between CLI runs (one process at a time may hold it). */
async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  await withStore(async (store) => {
    await migrate(store);
    await seedEvents(store, ROWS);
  });
});

afterAll(() => undefined);

/** Nothing but the given files in the export folder: no partial or temporary file. */
const files = () => readdirSync(dir).sort();

describe('export (the store opened by the command)', () => {
  it('a public table to parquet, csv and jsonl: each read back by ClickHouse equals the table', async () => {
    for (const format of ['parquet', 'csv', 'jsonl'] as const) {
      const out = join(dir, `events.${format}`);
      const run = await cli(['export', 'events', '--format', format, '--out', out]);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ out, format, via: 'store', bytes: expect.any(Number) });
    }
    expect(files()).toEqual(['events.csv', 'events.jsonl', 'events.parquet']);
    await withStore(async (store) => {
      const want = await answer(store, `SELECT * FROM ${db}.events ORDER BY source_file, source_line`);
      expect(want.split('\n').length).toBe(ROWS + 1);
      for (const format of ['parquet', 'csv', 'jsonl'] as const) {
        expect(await fileRows(store, join(dir, `events.${format}`), format, 'events', 'source_file, source_line'), format).toBe(want);
      }
    });
  });

  it('a query: checked by the read-only rule, replaces the file only when complete (--force)', async () => {
    const out = join(dir, 'per-product.csv');
    writeFileSync(out, 'the previous export\n');
    const query = `SELECT product_id, count() AS n, sum(price) AS revenue FROM ${db}.events GROUP BY product_id ORDER BY product_id`;
    const run = await cli(['export', query, '--format', 'csv', '--out', out, '--force']);
    expect(run.code, run.stderr).toBe(0);
    await withStore(async (store) => {
      const structure = "product_id UInt64, n UInt64, revenue Decimal(18, 2)";
      const back = await answer(store, `SELECT * FROM file('${out}', CSVWithNames, '${structure}') ORDER BY product_id`);
      expect(back).toBe(await answer(store, query));
      expect(back.split('\n').length).toBe(50 + 1);
    });
  });

  it('refuses a name that is not a public table, a query the rule refuses, a FORMAT; leaves no file', async () => {
    const before = files();
    const cases: Array<[string[], number, RegExp]> = [
      [['export', 'events_data', '--format', 'csv', '--out', join(dir, 'x.csv')], 2, /^configuration error: export: "events_data" is not a public table; expected one of events, sales_per_product, customer_lifetime_value, late_events, rejected_events/],
      [['export', `SELECT 1 INTO OUTFILE '${join(dir, 'y.csv')}'`, '--format', 'csv', '--out', join(dir, 'x.csv')], 2, /^error: export: refused INTO OUTFILE: only one read-only statement/],
      [['export', `SELECT * FROM file('/etc/passwd', 'LineAsString')`, '--format', 'jsonl', '--out', join(dir, 'x.jsonl')], 2, /^error: export: refused the function file\(\)/],
      [['export', `SELECT 1 FORMAT CSV`, '--format', 'csv', '--out', join(dir, 'x.csv')], 2, /^configuration error: export: the query names a FORMAT/],
      [['export', 'events', '--format', 'xml', '--out', join(dir, 'x.xml')], 2, /--format.*xml/],
      [['export', 'events', '--format', 'csv', '--out', join(dir, 'no-such-dir', 'x.csv')], 2, /^configuration error: --out: the folder .* does not exist/],
    ];
    for (const [args, code, message] of cases) {
      const run = await cli(args);
      expect(run.code, `${args[1]}: ${run.stderr}`).toBe(code);
      expect(run.stderr.trim(), args[1]).toMatch(message);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    expect(files()).toEqual(before);
  });

  it('a query that fails midway leaves neither the file nor a partial one, in every format', async () => {
    const before = files();
    for (const format of ['parquet', 'csv', 'jsonl']) {
      const run = await cli(['export', "SELECT number, throwIf(number = 3000000, 'boom at 3M') AS x FROM numbers(5000000)", '--format', format, '--out', join(dir, `failed.${format}`)]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.trim()).toMatch(/^error: export: .*boom at 3M/);
    }
    expect(files()).toEqual(before);
  });

  it('while another process holds the store and no start serves it: one line, no stack, no file', async () => {
    await withStore(async (store) => {
      await store.client.query({ query: 'SELECT 1' });
      const run = await cli(['export', 'events', '--format', 'csv', '--out', join(dir, 'held.csv')]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(new RegExp(`^error: export: the embedded store .* is open in another process \\(pid ${process.pid}\\)`));
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });
    expect(existsSync(join(dir, 'held.csv'))).toBe(false);
  });
});

describe('export --out: a new regular file only, no part file left behind', () => {
  const out = join(dir, 'guarded.csv');
  const parts = () => files().filter((f) => f.endsWith('.part'));

  it('an existing file is refused and left as it was; --force replaces it', async () => {
    writeFileSync(out, 'keep me\n');
    const run = await cli(['export', 'events', '--format', 'csv', '--out', out]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe(`configuration error: --out: ${out} already exists; choose another path, or --force to replace it`);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    const forced = await cli(['export', 'events', '--format', 'csv', '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    const fresh = join(dir, 'guarded-fresh.csv');
    expect((await cli(['export', 'events', '--format', 'csv', '--out', fresh])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(fresh, 'utf8'));
    expect(parts()).toEqual([]);
  });

  it('a device, fifo, folder or link is refused even with --force, and stays as it was', async () => {
    const fifo = join(dir, 'a-fifo.csv');
    execFileSync('mkfifo', [fifo]);
    const folder = join(dir, 'a-folder.csv');
    mkdirSync(folder);
    const target = join(dir, 'link-target.txt');
    writeFileSync(target, 'the link target\n');
    const link = join(dir, 'a-link.csv');
    symlinkSync(target, link);
    const cases: Array<[string, string]> = [
      ['/dev/null', 'a device'],
      ['/dev/full', 'a device'],
      [fifo, 'a fifo'],
      [folder, 'a folder'],
      [link, 'a symbolic link (not followed)'],
    ];
    const before = new Map(cases.map(([path]) => [path, lstatSync(path)]));
    for (const [path, kind] of cases) {
      for (const force of [[], ['--force']]) {
        const run = await cli(['export', 'events', '--format', 'csv', '--out', path, ...force]);
        expect(run.code, `${path} ${force.join('')}: ${run.stderr}`).toBe(2);
        expect(run.stderr.trim()).toBe(`configuration error: --out: ${path} is ${kind}: export writes a new regular file, and --force replaces only a regular file`);
      }
      const [was, now] = [before.get(path)!, lstatSync(path)];
      expect([now.ino, now.mode, now.rdev], path).toEqual([was.ino, was.mode, was.rdev]);
    }
    expect(lstatSync('/dev/full').isCharacterDevice() && lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('the link target\n');
    expect(readdirSync('/dev').filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  /** An export of a large result, running until its part file holds some bytes. */
  async function exportUnderWay(name: string): Promise<CliProcess> {
    const run = spawnCli(config, ['export', 'SELECT number, toString(number) AS s FROM numbers(1000000000)', '--format', 'csv', '--out', join(dir, name)], name, { LOG_LEVEL: 'warn' });
    await until(`a part file of ${name} with bytes`, async () => {
      const part = files().find((f) => f.startsWith(`.${name}.`) && f.endsWith('.part'));
      return part && statSync(join(dir, part)).size > 1_000_000 ? part : undefined;
    });
    return run;
  }

  it('a part file left by an export killed with SIGKILL is removed by the next export to the same path', async () => {
    const run = await exportUnderWay('killed.csv');
    expect(await stopCli(run, 'SIGKILL')).toBe(null);
    expect(parts()).toHaveLength(1);
    const next = await cli(['export', 'events', '--format', 'csv', '--out', join(dir, 'killed.csv')]);
    expect(next.code, next.stderr).toBe(0);
    expect(parts()).toEqual([]);
    expect(files()).toContain('killed.csv');
  });

  it('SIGTERM or SIGINT during an export: it stops and removes its part file', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const run = await exportUnderWay(`stopped-${signal}.csv`);
      expect(await stopCli(run, signal), signal).toBe(1);
      expect(readFileSync(run.log, 'utf8').trim()).toBe('error: export: interrupted');
      expect(parts()).toEqual([]);
      expect(files()).not.toContain(`stopped-${signal}.csv`);
    }
  });
});
