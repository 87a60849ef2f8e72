// A pipeline rule's `for` through the evaluator, on a real store and a local webhook receiver,
// with the evaluations' wall clock driven by the test: a stall shorter than `for` records pending
// then inactive and notifies nobody; one that lasts `for` fires (recorded, notified) and resolves
// once rows flow again; under a silence it fires and is recorded without a notification.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { migrate } from '../../aggregates/migrate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import type { Store } from '../../aggregates/store.ts';
import { DeliveryQueue, parseAlertRules, webhookChannel, type Silence, type WebhookBody } from '../../dashboard/alerting/index.ts';
import type { ConnectorTotalsView } from '../../ingest/connector-totals.ts';
import { AlertEvaluator } from '../../dashboard/alerting/alert-evaluator.ts';
import { PipelineReadings } from '../../dashboard/alerting/pipeline-readings.ts';
import { httpReceiver } from '../alert-receivers.ts';
import { isolatedConfig } from '../helpers.ts';

const RULES = `
use_defaults: false
rules:
  - name: ingest-stalled
    condition: { type: ingest_stalled }
    for: 60s
    labels: { severity: critical }
    annotations: { summary: "{{ $value }} files wait" }
`;

let store: Store;
let hook: Awaited<ReturnType<typeof httpReceiver>>;

beforeAll(async () => {
  store = openStore(isolatedConfig('alertsfor'));
  await migrate(store);
  hook = await httpReceiver(() => 200);
}, 120_000);

afterAll(async () => {
  await hook?.close();
  await store?.close();
});

describe("a pipeline rule's for", () => {
  it('a stall shorter than for records pending then inactive and notifies nobody; a longer one fires and resolves', async () => {
    let nowMs = Date.UTC(2024, 4, 1, 10);
    let rowsIngested = 0;
    let silences: Silence[] = [];
    const totals = (): ConnectorTotalsView => ({ filesIngested: 0, filesAlreadyIngested: 0, rowsIngested, rowsRejected: 0, filesFailed: 0, retries: 0 });
    const queue = new DeliveryQueue({ channels: [webhookChannel({ url: hook.url, receiver: 'test', externalURL: 'http://127.0.0.1:3000' })] });
    const evaluator = new AlertEvaluator({
      rules: parseAlertRules(RULES),
      store,
      queue,
      logger,
      pipeline: new PipelineReadings({ connector: { totals, backlog: async () => 2 } }),
      silences: () => silences,
      now: () => nowMs,
    });
    /** An evaluation `seconds` after the previous one; `flowing` rows were ingested in between. */
    const evaluateAfter = async (seconds: number, flowing: boolean) => {
      nowMs += seconds * 1000;
      if (flowing) rowsIngested += 100;
      await evaluator.evaluateNow();
    };
    const states = async () =>
      (await queryRows<{ state: string; at: string }>(store, `SELECT state, toString(changed_at) AS at FROM ${store.database}.alerts ORDER BY changed_at, state`)).map((r) => `${r.state} ${r.at.slice(11, 19)}`);

    await evaluateAfter(0, true);
    // A blip: stalled at 10:00:05 and 10:00:50 (45 s < 60 s), rows again at 10:01:00.
    await evaluateAfter(5, false);
    await evaluateAfter(45, false);
    await evaluateAfter(10, true);
    expect(await states()).toEqual(['pending 10:00:05', 'inactive 10:01:00']);
    expect(evaluator.firingByRule()).toEqual({ 'ingest-stalled': 0 });

    // A stall from 10:01:05 that lasts: pending, then firing once 60 s have passed, then resolved.
    await evaluateAfter(5, false);
    await evaluateAfter(30, false);
    expect(evaluator.firingByRule()).toEqual({ 'ingest-stalled': 0 });
    await evaluateAfter(30, false);
    expect(evaluator.firingByRule()).toEqual({ 'ingest-stalled': 1 });
    await evaluateAfter(5, true);
    await queue.idle();
    expect(await states()).toEqual(['pending 10:00:05', 'inactive 10:01:00', 'pending 10:01:05', 'firing 10:02:05', 'resolved 10:02:10']);
    const bodies = hook.bodies.map((b) => (b as { body: WebhookBody }).body);
    expect(bodies.map((b) => [b.status, b.alerts[0]?.annotations.summary])).toEqual([
      ['firing', '2 files wait'],
      ['resolved', '2 files wait'],
    ]);
    expect(evaluator.delivery()).toEqual({ webhook: { delivered: 2, failed: 0, retrying: 0, queued: 0 } });

    // Silenced (read at each evaluation): the next stall fires and is recorded, nobody is notified.
    silences = [{ rule: 'ingest-stalled', endsAtMs: nowMs + 3_600_000 }];
    await evaluateAfter(5, false);
    await evaluateAfter(60, false);
    await queue.idle();
    expect(evaluator.firingByRule()).toEqual({ 'ingest-stalled': 1 });
    const silenced = await queryRows<{ notified: string[] }>(store, `SELECT notified FROM ${store.database}.alerts WHERE state = 'firing' ORDER BY changed_at DESC LIMIT 1`);
    expect(silenced).toEqual([{ notified: [] }]);
    expect(hook.bodies).toHaveLength(2);
    await evaluator.stop();
  });
});
