// The ingest-stalled pipeline alert under `salesinsights start`, on this file's own broker (the
// fault tests' OwnBroker, kill -9'ed and restarted from here): with a rules file giving the rule a
// `for` of 10 s and a local webhook receiver, a file arrives while the broker is down, the alert
// fires (GET /api/alerts, /metrics, the webhook), and it resolves once the broker is back and the
// file is ingested.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookBody } from '../../dashboard/alerting/index.ts';
import { spawnCli, stopCli, type CliProcess } from '../cli-process.ts';
import { dropIntoInbox, isolatedConfig, until } from '../helpers.ts';
import { freePort, OwnBroker } from '../own-services.ts';
import { httpReceiver } from '../alert-receivers.ts';

const RULES = `
use_defaults: false
rules:
  - name: ingest-stalled
    condition: { type: ingest_stalled }
    for: 10s
    labels: { severity: critical }
    annotations: { summary: "{{ $value }} inbox files wait and no row was ingested" }
`;

const line = (minute: number, user: number) => `2019-10-01 10:${String(minute).padStart(2, '0')}:00 UTC,view,5809910,1,,b,9.99,${user},s${user}`;
const csv = (from: number) => `event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n${Array.from({ length: 20 }, (_, i) => line(i, from + i)).join('\n')}\n`;

let broker: OwnBroker | undefined;
let run: CliProcess | undefined;
let hook: Awaited<ReturnType<typeof httpReceiver>>;

interface Alerts {
  firing: Array<{ rule: string; state: string }>;
  history: Array<{ rule: string; state: string; notified: string[] }>;
}

beforeAll(async () => {
  broker = await OwnBroker.create();
  broker.start();
  await broker.ready();
  hook = await httpReceiver(() => 200);
}, 240_000);

afterAll(async () => {
  if (run) await stopCli(run, 'SIGKILL');
  await Promise.all([broker?.kill(), hook?.close()]);
}, 60_000);

describe('ingest-stalled under start', () => {
  it('fires while files wait and the broker is down, resolves after it is back', async () => {
    const config = isolatedConfig('alertsstall', { KAFKA_BROKERS: broker!.address });
    const rules = join(config.home, 'rules.yml');
    writeFileSync(rules, RULES);
    const port = await freePort();
    run = spawnCli(config, ['start'], 'start', { SALESINSIGHTS_PORT: String(port), SALESINSIGHTS_ALERT_RULES: rules, SALESINSIGHTS_ALERT_WEBHOOK_URL: hook.url });
    const url = `http://127.0.0.1:${port}`;
    const get = async (path: string): Promise<string | undefined> => {
      if (run!.child.exitCode !== null) throw new Error(`start ended; see ${run!.log}`);
      try {
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
        return res.ok ? await res.text() : undefined;
      } catch {
        return undefined;
      }
    };
    const alerts = async () => JSON.parse((await get('/api/alerts')) ?? '{"firing":[],"history":[]}') as Alerts;
    await until('the dashboard', () => get('/api/health'), 240_000);
    const inbox = join(config.home, 'inbox');

    dropIntoInbox(inbox, '2019-10-01-a.csv', csv(1));
    await until('the first file ingested', async () => ((await get('/metrics'))?.includes('salesinsights_connector_rows_ingested_total 20') ? true : undefined), 120_000);

    await broker!.kill();
    dropIntoInbox(inbox, '2019-10-01-b.csv', csv(100));
    await until('ingest-stalled firing', async () => ((await alerts()).firing.some((a) => a.rule === 'ingest-stalled') ? true : undefined), 120_000, 1_000);
    expect(await get('/metrics')).toMatch(/salesinsights_alerts_firing\{rule="ingest-stalled"\} 1/);

    broker!.start();
    await broker!.ready();
    await until('ingest-stalled resolved', async () => ((await alerts()).history.some((a) => a.rule === 'ingest-stalled' && a.state === 'resolved') ? true : undefined), 240_000, 1_000);
    const { firing, history } = await alerts();
    expect(firing).toEqual([]);
    expect(history.filter((a) => a.rule === 'ingest-stalled').map((a) => [a.state, a.notified])).toEqual([
      ['resolved', ['webhook']],
      ['firing', ['webhook']],
      ['pending', []],
    ]);
    await until('the webhook to hear the resolve', async () => (hook.bodies.length >= 2 ? true : undefined), 30_000);
    const bodies = hook.bodies.map((b) => (b as { body: WebhookBody }).body);
    expect(bodies.map((b) => [b.status, b.groupLabels.alertname])).toEqual([
      ['firing', 'ingest-stalled'],
      ['resolved', 'ingest-stalled'],
    ]);
    expect(bodies[0]!.alerts[0]!.annotations.summary).toBe('1 inbox files wait and no row was ingested');
    expect(await stopCli(run)).toBe(0);
  }, 600_000);
});
