// The main job as users run it: `salesinsights start` in its own process, a slice dropped into
// its inbox shows in the dashboard API, SIGTERM shuts it down cleanly after a final flush, and
// a second start resumes from that checkpoint, so a window opened by the first run closes in
// the second with the counts of both. While it runs (holding the embedded store), `sql`,
// `export` and @clickhouse/client query it through its read-only query endpoint.
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { openStore } from '../../aggregates/open-store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { runCli, startApp as startWithUrls, type CliRun } from '../cli-process.ts';
import { dropIntoInbox, isolatedConfig, until } from '../helpers.ts';
import { answer, fileRows } from '../store-seed.ts';

const config = isolatedConfig('start');
const inbox = join(config.home, 'inbox');
const PRODUCT = '4242001';
const running: ChildProcess[] = [];

interface TopProduct {
  product_id: string;
  revenue: number;
  purchases: number;
  views: number;
}

const env = { ...process.env, SALESINSIGHTS_HOME: config.home, SALESINSIGHTS_NAMESPACE: config.namespace, LOG_LEVEL: 'warn' };

async function startApp(): Promise<{ child: ChildProcess; url: string; queryUrl: string }> {
  const app = await startWithUrls(env);
  running.push(app.child);
  return app;
}

/** A command beside the running start, in its home and namespace. */
const cli = (args: string[]): Promise<CliRun> => runCli(args, env);

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null]>;
  child.kill('SIGTERM');
  const [code] = await exited;
  return code;
}

async function productIn(url: string): Promise<TopProduct | undefined> {
  const res = await fetch(`${url}/api/top-products?windows=1440&limit=100`);
  const top = (await res.json()) as TopProduct[];
  return top.find((p) => p.product_id === PRODUCT);
}

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('salesinsights start', () => {
  it('serves what lands in its inbox, stops cleanly on SIGTERM, and resumes from its checkpoint', async () => {
    mkdirSync(inbox, { recursive: true });
    const first = await startApp();
    expect((await fetch(first.url)).status).toBe(200);
    const rows = (lines: string[]) => `${CSV_HEADER}\n${lines.join('\n')}\n`;
    dropIntoInbox(inbox, '2019-10-01.csv', rows([
      `2019-10-01 10:00:05 UTC,purchase,${PRODUCT},1,,start-brand,10.00,61000001,s-1`,
      `2019-10-01 10:00:06 UTC,view,${PRODUCT},1,,start-brand,10.00,61000002,s-2`,
    ]));
    const early = await until('the first slice in the API', () => productIn(first.url));
    expect(early).toMatchObject({ revenue: 10, purchases: 1, views: 1 });
    await until('the slice moved to .done', async () => (existsSync(join(inbox, '.done', '2019-10-01.csv')) ? true : undefined));
    // Each component's state is in the health answer, so that a stall would show.
    const health = (await (await fetch(`${first.url}/api/health`)).json()) as { components: Record<string, { state: string; since: string }> };
    expect(Object.keys(health.components).sort()).toEqual(['aggregator', 'alertNotifications', 'connector', 'httpSource']);
    for (const c of Object.values(health.components)) expect(c).toMatchObject({ state: 'running', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    // Beside the running start, which holds the embedded store: its query endpoint, found by
    // sql and export in $SALESINSIGHTS_HOME/run, and reached by @clickhouse/client itself.
    const endpointFile = join(config.home, 'run', 'query-endpoint.json');
    expect(JSON.parse(readFileSync(endpointFile, 'utf8'))).toMatchObject({ url: first.queryUrl, pid: first.child.pid, namespace: config.namespace });
    const client = createClient({ url: first.queryUrl, database: config.namespace, log: { level: ClickHouseLogLevel.OFF } });
    try {
      const count = async () => {
        const result = await client.query({ query: 'SELECT count() AS n FROM events WHERE product_id = {p:UInt64}', query_params: { p: PRODUCT }, format: 'JSONEachRow' });
        return (await result.json<{ n: string }>())[0]!.n;
      };
      await until('the first slice in events', async () => ((await count()) === '2' ? true : undefined));
    } finally {
      await client.close();
    }
    const sql = await cli(['sql', `SELECT product_id, event_type FROM ${config.namespace}.events WHERE product_id = ${PRODUCT} ORDER BY source_line`]);
    expect(sql, sql.stderr).toMatchObject({ code: 0, stdout: `{"product_id":"${PRODUCT}","event_type":"purchase"}\n{"product_id":"${PRODUCT}","event_type":"view"}\n` });
    const write = await cli(['sql', `INSERT INTO ${config.namespace}.events_data (source_file) VALUES ('x')`]);
    expect([write.code, write.stderr.trim()]).toEqual([2, 'error: sql: refused the statement INSERT: only one read-only statement on the store\'s tables is allowed']);
    const exported = join(config.home, 'first-slice.parquet');
    const exportRun = await cli(['export', 'events', '--format', 'parquet', '--out', exported]);
    expect(exportRun.code, exportRun.stderr).toBe(0);
    expect(JSON.parse(exportRun.stdout)).toMatchObject({ out: exported, via: 'endpoint' });

    expect(await stop(first.child)).toBe(0);
    expect(existsSync(endpointFile)).toBe(false);

    // The window [10:00, 10:01) is still open: the second run restores it from the checkpoint,
    // adds its own event and closes it when views two minutes later move the watermark past it
    // (from users spread over every partition: each partition keeps its own watermark).
    const second = await startApp();
    const later = Array.from({ length: 16 }, (_, i) => `2019-10-01 10:03:00 UTC,view,4242002,1,,start-brand,1.00,${61000100 + i},s-later`);
    dropIntoInbox(inbox, '2019-10-01b.csv', rows([`2019-10-01 10:00:30 UTC,purchase,${PRODUCT},1,,start-brand,2.50,61000003,s-3`, ...later]));
    const both = await until('the second slice in the API', async () => {
      const p = await productIn(second.url);
      return p && p.purchases === 2 ? p : undefined;
    });
    expect(both).toMatchObject({ revenue: 12.5, purchases: 2, views: 1 });
    expect(await stop(second.child)).toBe(0);

    // Both processes are gone, so the embedded store can be opened here.
    const store = openStore(config);
    try {
      const sales = await queryRows<{ purchases: string; views: string; is_final: number }>(
        store,
        `SELECT purchases, views, is_final FROM ${store.database}.sales_per_product WHERE product_id = {p:UInt64}`,
        { p: PRODUCT },
      );
      expect(sales.map((r) => [Number(r.purchases), Number(r.views), r.is_final])).toEqual([[2, 1, 1]]);
      const [events] = await queryRows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.events`);
      expect(Number(events!.n)).toBe(3 + later.length);
      // The export taken beside the first run holds that run's events, as ClickHouse reads it back.
      const firstSlice = await answer(store, `SELECT * FROM ${store.database}.events WHERE source_file = '2019-10-01.csv' ORDER BY source_line`);
      expect(await fileRows(store, exported, 'parquet', 'events', 'source_line')).toBe(firstSlice);
    } finally {
      await store.close();
    }
  });
});
