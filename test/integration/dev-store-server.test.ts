// The dev store server (test/development infrastructure): one process serves its embedded store
// over ClickHouse's HTTP interface; other processes with CLICKHOUSE_URL set to it run the
// migrations, a backfill and `sql` reads through it, and the tables equal those of a plain
// embedded backfill of the same files. Without SALESINSIGHTS_DEV_STORE_SERVER=1 it refuses to
// start; a bad value inserted through it is the client's ClickHouseError of a data error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseError } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { StoreTables } from '../../aggregates/writers.ts';
import { readEndpointRecord, endpointFile } from '../../dashboard/query/endpoint-file.ts';
import { cliEnv, runCli, spawnCli, stopCli, type CliProcess } from '../cli-process.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';
import { difference, dump } from '../table-dump.ts';

const ENABLED = { SALESINSIGHTS_DEV_STORE_SERVER: '1', LOG_LEVEL: 'warn' };
const serverHome = isolatedConfig('devstore_server');
const plain = isolatedConfig('devstore_plain');
let server: CliProcess;
let url: string;
/** The namespace whose tables live on the dev store server (its own home: the server's is another). */
let shared: Config;
let dataDir: string;

/** `dump` with CLICKHOUSE_URL set: its `sql` processes read through the server. */
function dumpThrough(c: Config, clickhouseUrl: string): Record<string, string> {
  const before = process.env.CLICKHOUSE_URL;
  process.env.CLICKHOUSE_URL = clickhouseUrl;
  try {
    return dump(c);
  } finally {
    if (before === undefined) delete process.env.CLICKHOUSE_URL;
    else process.env.CLICKHOUSE_URL = before;
  }
}

beforeAll(async () => {
  const days = await generate({ days: 2, rowsPerDay: 1_200, out: tempDir('devstore-data'), seed: 5 });
  dataDir = join(days[0]!, '..');
  server = spawnCli(serverHome, ['dev-store-server', '--port', '0'], 'dev-store-server', ENABLED);
  url = (await until('the dev store server record', async () => readEndpointRecord(serverHome, 'dev-store-server'), 60_000)).url;
  shared = isolatedConfig('devstore_shared', { CLICKHOUSE_URL: url });
}, 120_000);

afterAll(async () => {
  if (server) await stopCli(server);
});

describe('dev-store-server', () => {
  it('refuses to start without SALESINSIGHTS_DEV_STORE_SERVER=1, in one line', async () => {
    const run = await runCli(['dev-store-server', '--port', '0'], cliEnv(isolatedConfig('devstore_refused'), { LOG_LEVEL: 'warn', SALESINSIGHTS_DEV_STORE_SERVER: '' }), 60_000);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^configuration error: SALESINSIGHTS_DEV_STORE_SERVER: .*test\/development infrastructure.*ClickHouse server or cluster/);
  });

  it('listens on 127.0.0.1 and answers /ping', async () => {
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const ping = await fetch(`${url}/ping`);
    expect(await ping.text()).toBe('Ok.\n');
  });

  it('a backfill and sql reads in other processes through it give the tables of a plain embedded backfill', async () => {
    const [through, alone] = await Promise.all([
      runCli(['backfill', dataDir], cliEnv(shared, { LOG_LEVEL: 'warn', CLICKHOUSE_URL: url })),
      runCli(['backfill', dataDir], cliEnv(plain, { LOG_LEVEL: 'warn' })),
    ]);
    expect(through.code, through.stderr).toBe(0);
    expect(alone.code, alone.stderr).toBe(0);
    // The backfill through the server opened no embedded store of its own.
    expect(existsSync(join(shared.home, 'clickhouse'))).toBe(false);

    const viaServer = dumpThrough(shared, url);
    const embedded = dump(plain);
    expect(viaServer.events!.split('\n').length).toBeGreaterThan(2_000);
    for (const [table, rows] of Object.entries(embedded)) {
      expect(difference(rows, viaServer[table]!), table).toEqual({ missing: [], extra: [] });
    }

    // A second client, in this process (@clickhouse/client through openStore), reads the same rows.
    const store = openStore(shared);
    try {
      const result = await store.client.query({ query: `SELECT count() AS n, sum(price) AS revenue FROM ${shared.namespace}.events WHERE event_type = {type:String}`, query_params: { type: 'purchase' }, format: 'JSONEachRow' });
      const [row] = await result.json<{ n: string; revenue: number }>();
      const purchases = viaServer.events!.split('\n').filter((line) => line.includes('"event_type":"purchase"'));
      expect(Number(row!.n)).toBe(purchases.length);
      expect(Number(row!.n)).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 600_000);

  it('a bad value inserted through it is the client\'s ClickHouseError of a data error; an unknown table is not one', async () => {
    const store = openStore(shared);
    const tables = new StoreTables(store);
    try {
      await store.client.command({ query: 'CREATE DATABASE IF NOT EXISTS devstore_errors' });
      await store.client.command({ query: 'CREATE TABLE IF NOT EXISTS devstore_errors.t (n UInt8) ENGINE = MergeTree ORDER BY n' });
      const bad = await store.client.insert({ table: 'devstore_errors.t', values: [{ n: 'not a number' }], format: 'JSONEachRow' }).then(() => undefined, (err: unknown) => err);
      expect(bad).toBeInstanceOf(ClickHouseError);
      expect((bad as ClickHouseError).type).toMatch(/^CANNOT_PARSE/);
      expect(tables.isDataError(bad)).toBe(true);

      const unknown = await store.client.insert({ table: 'devstore_errors.nope', values: [{ n: 1 }], format: 'JSONEachRow' }).then(() => undefined, (err: unknown) => err);
      expect(unknown).toBeInstanceOf(ClickHouseError);
      expect((unknown as ClickHouseError).type).toBe('UNKNOWN_TABLE');
      expect(tables.isDataError(unknown)).toBe(false);
      // The good rows of a later insert go in.
      await store.client.insert({ table: 'devstore_errors.t', values: [{ n: 7 }], format: 'JSONEachRow' });
      const result = await store.client.query({ query: 'SELECT n FROM devstore_errors.t', format: 'JSONEachRow' });
      expect(await result.json()).toEqual([{ n: 7 }]);
    } finally {
      await store.close();
    }
  });

  it('stops on SIGTERM and removes its record', async () => {
    expect(await stopCli(server)).toBe(0);
    expect(existsSync(endpointFile(serverHome, 'dev-store-server'))).toBe(false);
  });
});
