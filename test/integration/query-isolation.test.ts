// The read side never stalls the write side. Against a real `start` (its own process, holding the
// embedded store): ten heavy queries whose clients give up, more heavy queries still running, a
// client that reads a spooled (JSON) result slowly, and files arriving meanwhile. Ingestion,
// /api/health and the endpoint keep answering, every row is stored, the limits answer clear
// errors, the spool stays bounded, and SIGTERM ends the process whatever queries run.
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { startApp as startWithUrls } from '../cli-process.ts';
import { dropIntoInbox, isolatedConfig, until } from '../helpers.ts';

const config = isolatedConfig('isolation');
const inbox = join(config.home, 'inbox');
const spool = join(config.home, 'run', 'spool');
const SPOOL_AHEAD = 8 * 1024 * 1024;
const env = {
  ...process.env,
  SALESINSIGHTS_HOME: config.home,
  SALESINSIGHTS_NAMESPACE: config.namespace,
  LOG_LEVEL: 'warn',
  SALESINSIGHTS_QUERY_MAX_SECONDS: '120',
  SALESINSIGHTS_QUERY_SPOOL_AHEAD_BYTES: String(SPOOL_AHEAD),
};
const running: ChildProcess[] = [];
const HEAVY = 'SELECT sum(number) FROM numbers(1000000000000)';

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

async function startApp(): Promise<{ child: ChildProcess; url: string; queryUrl: string }> {
  const app = await startWithUrls(env);
  running.push(app.child);
  return app;
}

const slice = (day: string, users: number[]) =>
  `${CSV_HEADER}\n${users.map((u, i) => `2019-10-01 ${day}:${String(i % 60).padStart(2, '0')} UTC,purchase,5151${u},1,,iso-brand,1.00,${u},s-${u}`).join('\n')}\n`;

async function count(queryUrl: string): Promise<number> {
  const res = await fetch(`${queryUrl}/?database=${config.namespace}`, { method: 'POST', body: 'SELECT count() FROM events', signal: AbortSignal.timeout(10_000) });
  return Number((await res.text()).trim());
}

/** Total bytes in the query spool now. */
function spoolBytes(): number {
  try {
    return readdirSync(spool).reduce((sum, f) => sum + statSync(join(spool, f)).size, 0);
  } catch {
    return 0;
  }
}

describe('queries beside the running pipeline', () => {
  it('abandoned and running heavy queries, a slow reader of a spooled result: ingestion goes on, the limits answer, shutdown ends', async () => {
    mkdirSync(inbox, { recursive: true });
    const app = await startApp();

    // Ten heavy queries whose clients go away after a second, as a tab closed on a notebook.
    const abandoned = Array.from({ length: 10 }, async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1_000);
      await fetch(`${app.queryUrl}/`, { method: 'POST', body: HEAVY, signal: controller.signal }).catch(() => undefined);
    });
    await Promise.all(abandoned);
    // Two more that stay: they hold their slots while the pipeline works on.
    const staying = Array.from({ length: 2 }, () => fetch(`${app.queryUrl}/`, { method: 'POST', body: HEAVY }).then((r) => r.text(), (e: Error) => e.message));

    dropIntoInbox(inbox, '2019-10-01-a.csv', slice('10:00', [1, 2, 3, 4, 5]));
    await until('the first file stored', async () => ((await count(app.queryUrl)) === 5 ? true : undefined), 90_000);
    const health = await fetch(`${app.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    const top = await fetch(`${app.url}/api/top-products?windows=1440`, { signal: AbortSignal.timeout(30_000) });
    expect(top.status).toBe(200);

    // A read asking for more than the limits is refused, naming the setting.
    const greedy = await fetch(`${app.queryUrl}/?max_execution_time=100000`, { method: 'POST', body: 'SELECT 1' });
    expect(greedy.status).toBe(400);
    expect(await greedy.text()).toMatch(/max_execution_time.*SALESINSIGHTS_QUERY_MAX_SECONDS.*\(SETTING_CONSTRAINT_VIOLATION\)/);
    // One that asks for less gets its own limit, and the error says which setting bounds it.
    const short = await fetch(`${app.queryUrl}/?max_execution_time=1`, { method: 'POST', body: HEAVY });
    expect(await short.text()).toMatch(/Timeout exceeded.*SALESINSIGHTS_QUERY_MAX_SECONDS.*\(TIMEOUT_EXCEEDED\)/);

    // A JSON result (spooled: the engine writes it whole) read by a client that reads nothing.
    const slow = await new Promise<{ body: () => Promise<string> }>((resolve, reject) => {
      const req = request(`${app.queryUrl}/?default_format=JSON`, { method: 'POST' }, (res) => {
        res.pause();
        // The body ends with the error's text, then the connection breaks (no final chunk).
        res.on('error', () => undefined);
        resolve({
          body: async () => {
            res.resume();
            let text = '';
            res.on('data', (c: Buffer) => (text = (text + String(c)).slice(-2000)));
            await new Promise((done) => res.once('close', done));
            return text;
          },
        });
      });
      req.on('error', reject);
      req.end('SELECT number, toString(number) AS s, repeat(s, 10) AS r FROM numbers(200000000)');
    });
    let largest = 0;
    for (let i = 0; i < 20; i += 1) {
      largest = Math.max(largest, spoolBytes());
      await new Promise((r) => setTimeout(r, 250));
    }
    // The engine is killed once its result runs the limit ahead of what the client took
    // (sockets buffer a few MB more): far from the gigabytes it would write unbounded.
    expect(largest).toBeLessThan(SPOOL_AHEAD + 64 * 1024 * 1024);
    expect(await slow.body()).toMatch(/ahead of its reader.*SALESINSIGHTS_QUERY_SPOOL_AHEAD_BYTES/);
    await until('the spool emptied', async () => (spoolBytes() === 0 ? true : undefined));

    // A second file while the two heavy queries still run.
    dropIntoInbox(inbox, '2019-10-01-b.csv', slice('11:00', [6, 7, 8]));
    await until('the second file stored', async () => ((await count(app.queryUrl)) === 8 ? true : undefined), 90_000);

    // The endpoint's metrics count what happened.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('salesinsights_query_statements_total{outcome="cancelled"}')).toBeGreaterThanOrEqual(10);
    expect(value('salesinsights_query_limit_hits_total{limit="time"}')).toBe(1);
    expect(value('salesinsights_query_limit_hits_total{limit="setting"}')).toBe(1);
    expect(value('salesinsights_query_limit_hits_total{limit="result_or_spool"}')).toBe(1);
    expect(value('salesinsights_query_reads_running')).toBe(2);

    // SIGTERM with heavy queries running: the process ends (their clients see the connection end).
    const exited = once(app.child, 'exit') as Promise<[number | null]>;
    app.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    for (const answer of await Promise.all(staying)) expect(answer).not.toMatch(/^\d+\n$/);
  });
});
