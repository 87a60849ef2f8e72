// `start --role` in real processes. Embedded store: a split that needs a ClickHouse server is
// refused at once in one line; `start --role aggregator,dashboard` beside a `connect` process
// fills the tables from a file and its /api/health names the components it runs. Through the dev
// store server (CLICKHOUSE_URL, a ClickHouse HTTP endpoint shared by the processes): an
// aggregator, a dashboard and a connector each in a process of its own; a file's sales reach the
// dashboard's live stream from the results topic, and the tables fill.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { readEndpointRecord } from '../../dashboard/query/endpoint-file.ts';
import { cliEnv, cliSql, runCli, spawnCli, stopCli, type CliProcess } from '../cli-process.ts';
import { dropIntoInbox, isolatedConfig, tempDir, until } from '../helpers.ts';
import { json, SseReader } from '../sse.ts';

const running: CliProcess[] = [];
let file: { name: string; text: string; lines: number; purchases: number };

function spawn(c: Config, args: string[], name: string, env: Record<string, string> = {}): CliProcess {
  const run = spawnCli(c, args, name, env);
  running.push(run);
  return run;
}

/** The dashboard URL a start prints (its log is its stdout). */
const dashboardUrl = (run: CliProcess) =>
  until('the dashboard URL', async () => {
    if (run.child.exitCode !== null) throw new Error(`start exited: ${readFileSync(run.log, 'utf8')}`);
    return /dashboard: (http:\/\/\S+)/.exec(readFileSync(run.log, 'utf8'))?.[1];
  }, 120_000);

const health = async (url: string) => (await fetch(`${url}/api/health`)).json() as Promise<Record<string, unknown> & { components: Record<string, { state: string }> }>;

/** The number a count query (`… AS n`) answers. */
type CountReader = (query: string) => Promise<number>;

/**
 * The tables filled from the file: every line an event or a rejected row, the purchases (exact
 * duplicates once) summed by sales_per_product, the customers in customer_lifetime_value.
 */
async function expectTablesFilled(ns: string, count: CountReader): Promise<void> {
  const lines = `SELECT (SELECT count() FROM ${ns}.events) + (SELECT count() FROM ${ns}.rejected_events) AS n`;
  await until('every line in the events table', async () => ((await count(lines)) >= file.lines ? true : undefined), 180_000, 1000);
  expect(await count(lines)).toBe(file.lines);
  await until('the purchases in sales_per_product', async () => ((await count(`SELECT sum(purchases) AS n FROM ${ns}.sales_per_product`)) === file.purchases ? true : undefined), 60_000, 1000);
  expect(await count(`SELECT count() AS n FROM ${ns}.customer_lifetime_value`)).toBeGreaterThan(0);
}

beforeAll(async () => {
  const [path] = await generate({ days: 1, rowsPerDay: 800, out: tempDir('roles-data'), seed: 11 });
  const text = readFileSync(path!, 'utf8');
  const rows = text.trim().split('\n').slice(1);
  // Purchases by their event type column, exact duplicates once.
  file = { name: '2019-10-01.csv', text, lines: rows.length, purchases: new Set(rows.filter((r) => r.split(',')[1] === 'purchase')).size };
}, 60_000);

// The last started first (the store server last); a clean stop leaves their consumer groups.
afterAll(async () => {
  for (const run of running.reverse()) await stopCli(run);
});

describe('start --role with the embedded store', () => {
  const config = isolatedConfig('roles_embedded');

  it('refuses a role set that needs a ClickHouse server, in one line, before anything starts', async () => {
    const run = await runCli(['start', '--role', 'connector'], cliEnv(config, { LOG_LEVEL: 'warn' }), 60_000);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^configuration error: --role: "connector" needs a ClickHouse server.*set CLICKHOUSE_URL/);
    expect(readEndpointRecord(config, 'query-endpoint')).toBeUndefined();
  });

  it('aggregator,dashboard beside a connect process: the tables fill; health names the components that run here', async () => {
    const inbox = join(config.home, 'inbox-elsewhere');
    const start = spawn(config, ['start', '--role', 'aggregator,dashboard', '--port', '0', '--query-port', '0'], 'start-aggregator-dashboard');
    const url = await dashboardUrl(start);
    spawn(config, ['connect', '--inbox', inbox], 'connect');
    await until('the connector watching', async () => (readFileSync(join(config.home, 'connect.log'), 'utf8').includes('connector watching the inbox') ? true : undefined), 120_000);
    dropIntoInbox(inbox, file.name, file.text);
    await expectTablesFilled(config.namespace, async (query) => Number((JSON.parse(cliSql(config, query)) as { n: string | number }).n));

    const h = await health(url);
    expect(Object.keys(h.components).sort()).toEqual(['aggregator', 'alertNotifications', 'httpSource']);
    expect(h.components.aggregator!.state).toBe('running');
    // The aggregator of this process: its numbers.
    expect(h.eventsTotal).toBeGreaterThanOrEqual(file.lines);
    await expect(stopCli(start)).resolves.toBe(0);
  }, 300_000);
});

describe('start --role through a ClickHouse HTTP endpoint (the dev store server)', () => {
  const serverHome = isolatedConfig('roles_store');
  let url: string;
  let shared: Config;

  beforeAll(async () => {
    spawn(serverHome, ['dev-store-server', '--port', '0'], 'dev-store-server', { SALESINSIGHTS_DEV_STORE_SERVER: '1', LOG_LEVEL: 'warn' });
    url = (await until('the dev store server record', async () => readEndpointRecord(serverHome, 'dev-store-server'), 60_000)).url;
    shared = isolatedConfig('roles_split', { CLICKHOUSE_URL: url });
  }, 120_000);

  it("aggregator, dashboard and connector in three processes: a file's sales reach the live stream from the results topic; the tables fill", async () => {
    const env = { CLICKHOUSE_URL: url };
    const inbox = join(shared.home, 'inbox-of-connect');
    const dashboard = spawn(shared, ['start', '--role', 'dashboard', '--port', '0'], 'start-dashboard', env);
    const dashboardAt = await dashboardUrl(dashboard);
    // The live feed follows from the latest offsets: it has joined its group before the file comes.
    await until('the live feed joined', async () => ((await health(dashboardAt)).components.liveFeed?.state === 'running' ? true : undefined), 60_000, 500);
    const h = await health(dashboardAt);
    expect(Object.keys(h.components).sort()).toEqual(['alertNotifications', 'httpSource', 'liveFeed']);
    // No aggregator here: no pipeline numbers.
    expect(h).not.toHaveProperty('consumerLag');
    expect(h).not.toHaveProperty('eventsTotal');

    const sse = await SseReader.open(`${dashboardAt}/api/stream`);
    try {
      const init = json<{ live: boolean }>(await sse.waitFor((e) => e.event === 'init'));
      expect(init.live).toBe(true);
      spawn(shared, ['start', '--role', 'aggregator'], 'start-aggregator', env);
      spawn(shared, ['start', '--role', 'connector', '--inbox', inbox], 'start-connector', env);
      await until('the connector inbox', async () => (readFileSync(join(shared.home, 'start-connector.log'), 'utf8').includes('salesinsights running') ? true : undefined), 120_000);
      expect(existsSync(inbox)).toBe(true);
      dropIntoInbox(inbox, file.name, file.text);

      const sales = await sse.waitFor((e) => e.event === 'sales' && json<{ rows: unknown[] }>(e).rows.length > 0, 180_000);
      const pushed = json<{ rows: { product_id: string; window_start: string; purchases: number }[]; customers: number }>(sales);
      expect(pushed.rows[0]).toMatchObject({ product_id: expect.stringMatching(/^\d+$/), window_start: expect.stringMatching(/^2019-10-01T/) });

      const store = openStore(shared);
      try {
        const count: CountReader = async (query) => {
          const result = await store.client.query({ query, format: 'JSONEachRow' });
          return Number(((await result.json<{ n: string | number }>())[0] ?? { n: 0 }).n);
        };
        await expectTablesFilled(shared.namespace, count);
        // The pushed row is one of the table's (product and window).
        const row = pushed.rows[0]!;
        expect(await count(`SELECT count() AS n FROM ${shared.namespace}.sales_per_product WHERE product_id = ${row.product_id} AND window_start = parseDateTimeBestEffort('${row.window_start}')`)).toBe(1);
      } finally {
        await store.close();
      }
    } finally {
      sse.close();
    }
  }, 400_000);
});
