// The connector and the supervised aggregator recover from a broker kill -9 and restart by
// themselves: the connector's transactional producer is re-created and the interrupted file is
// retried from the ledger, each line produced once; the aggregator's job comes back and stores
// every event once; POST /api/events answers 503 ING_ERR_PRODUCE while the broker is away and
// takes events again once it is back.
// The broker is this test's own (other ports, a temp data dir), never the shared one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../core/backoff.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import type { FastifyInstance } from 'fastify';
import { ComponentStatus } from '../../core/component-status.ts';
import { logger } from '../../core/logger.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { Connector } from '../../ingest/index.ts';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import { SupervisedJob } from '../../stream/supervisor.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { buildApp } from '../../dashboard/app.ts';
import { dropIntoInbox, isolatedConfig, readTopic, tempDir, until } from '../helpers.ts';
import { OwnBroker } from '../own-services.ts';

let broker: OwnBroker | undefined;
let connector: Connector | undefined;
let aggregator: SupervisedJob | undefined;
let store: Store | undefined;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  broker = await OwnBroker.create();
  broker.start();
}, 60_000);

afterAll(async () => {
  // Bounded: with the broker gone a close could wait on Kafka.
  if (app) await Promise.race([app.close().catch(() => undefined), sleep(15_000)]);
  if (connector) await Promise.race([connector.close().catch(() => undefined), sleep(15_000)]);
  if (aggregator) await Promise.race([aggregator.stop().catch(() => undefined), sleep(15_000)]);
  await store?.close();
  await broker?.kill();
}, 60_000);

describe('the connector, the HTTP source and the aggregator after a broker kill -9 and restart', () => {
  it('retries the interrupted file and ingests it once the broker is back, every line once, and the aggregator stores them', async () => {
    const config = isolatedConfig('recovery', { KAFKA_BROKERS: broker!.address });
    const kafka = createKafka(config, 'recovery-test');
    await broker!.ready();
    const inbox = tempDir('recovery-inbox');
    connector = new Connector(config, logger, { inbox });
    await connector.open();
    await connector.watch();
    store = await prepareRuntime(config, logger);
    const jobStore = store;
    aggregator = new SupervisedJob(() => aggregatorJob(config, jobStore, logger, { ...DEFAULT_JOB_OPTIONS, checkpointIntervalMs: 500 }), logger);
    await aggregator.start();
    const httpSource = new ComponentStatus();
    app = await buildApp({ config, store, job: aggregator, logger, ingest: { kafka, status: httpSource, logger } });
    const post = (user: number) =>
      app!.inject({
        method: 'POST',
        url: '/api/events',
        payload: [{ event_time: '2019-10-04 10:00:00 UTC', event_type: 'view', product_id: 5809910, category_id: 1, category_code: '', brand: 'b', price: '1.00', user_id: user, user_session: 's' }],
      });
    const storedUsers = async () => {
      const rows = await queryRows<{ u: string }>(jobStore, `SELECT toString(user_id) AS u FROM ${jobStore.database}.events ORDER BY user_id`);
      return rows.map((r) => r.u);
    };
    const rows = (day: string, users: number[]) =>
      `${CSV_HEADER}\n${users.map((u) => `2019-10-${day} 10:00:00 UTC,view,5809910,1,,b,1.00,${u},s`).join('\n')}\n`;
    const done = (name: string) => async () => (existsSync(join(inbox, '.done', name)) ? true : undefined);

    dropIntoInbox(inbox, '2019-10-01.csv', rows('01', [1, 2, 3]));
    await until('the first file ingested', done('2019-10-01.csv'));
    await until('the first file stored', async () => ((await storedUsers()).length === 3 ? true : undefined));

    await broker!.kill();
    dropIntoInbox(inbox, '2019-10-02.csv', rows('02', [4, 5, 6]));
    await until('the connector retrying', async () => (connector!.status.view().state === 'retrying' ? true : undefined), 120_000);
    expect(existsSync(join(inbox, '2019-10-02.csv'))).toBe(true);
    const refused = await post(9);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'ING_ERR_PRODUCE', retriable: true });
    expect(httpSource.view().state).toBe('retrying');

    broker!.start();
    await until('the second file ingested after the restart', done('2019-10-02.csv'), 180_000);
    expect(connector.status.view().state).toBe('running');
    dropIntoInbox(inbox, '2019-10-03.csv', rows('03', [7, 8]));
    await until('a later file ingested', done('2019-10-03.csv'), 60_000);
    await until('the HTTP source taking events again', async () => ((await post(9)).statusCode === 200 ? true : undefined), 60_000);
    expect(httpSource.view().state).toBe('running');

    const events = await readTopic(kafka, topics(config.namespace).events, 9);
    expect(events.map((m) => String(m.key)).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const all = await until('every event stored', async () => {
      const users = await storedUsers();
      return users.length >= 9 ? users : undefined;
    }, 180_000);
    expect(all).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
  }, 420_000);
});
