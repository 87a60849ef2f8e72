// /api/health while the aggregator's store writes fail (a full disk: ENOSPC) and are retried: the
// aggregator shows `retrying` with the reason the whole time, then `running` once the writes go
// through, and every event is stored once. The real broker, registry and embedded engine; the
// full disk is the store's inserts failing for as long as the test says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { logger } from '../../core/logger.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { Connector } from '../../ingest/index.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { AggregatorJob, DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import { SupervisedJob } from '../../stream/supervisor.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { buildApp } from '../../dashboard/app.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';

const config = isolatedConfig('healthretry');
const dataDir = tempDir('health-retrying-data');
let store: Store;
let aggregator: SupervisedJob<AggregatorJob>;
let app: FastifyInstance;
/** While true, every insert of the job fails as on a full disk. */
let diskFull = false;
let refusedInserts = 0;

beforeAll(async () => {
  await generate({ days: 1, rowsPerDay: 500, out: dataDir, seed: 21 });
  store = await prepareRuntime(config, logger);
  const full: Store = Object.create(store, {
    insertNative: {
      value: async (...args: Parameters<Store['insertNative']>) => {
        if (diskFull) {
          refusedInserts += 1;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return store.insertNative(...args);
      },
    },
  }) as Store;
  aggregator = new SupervisedJob(() => aggregatorJob(config, full, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 }), logger);
  await aggregator.start();
  app = await buildApp({ config, store, job: aggregator, logger, components: () => ({ aggregator: aggregator.status.view() }) });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await aggregator?.stop();
  await store?.close();
});

async function aggregatorHealth(): Promise<{ state: string; reason?: string; since: string }> {
  const res = await app.inject({ url: '/api/health' });
  expect(res.statusCode).toBe(200);
  return (res.json() as { components: Record<string, { state: string; reason?: string; since: string }> }).components.aggregator!;
}

describe('/api/health while the store is full', () => {
  it('shows the aggregator retrying with the reason while its writes fail, running once they go through, every event stored', async () => {
    expect((await aggregatorHealth()).state).toBe('running');
    diskFull = true;
    const connector = new Connector(config, logger, { inbox: dataDir });
    await connector.open();
    const produced = await connector.takeFile(join(dataDir, '2019-10-01.csv'), { inPlace: true }).finally(() => connector.close());
    expect(produced?.rows).toBeGreaterThan(0);
    const retrying = await until('the aggregator retrying', async () => {
      const health = await aggregatorHealth();
      return health.state === 'retrying' ? health : undefined;
    });
    expect(retrying.reason).toMatch(/^store write failed \(attempt \d+, retrying\): ENOSPC: no space left on device/);
    // Still retrying on later attempts, since the same moment.
    await until('a later attempt refused', async () => (refusedInserts >= 3 ? true : undefined));
    expect(await aggregatorHealth()).toMatchObject({ state: 'retrying', since: retrying.since });

    diskFull = false;
    await until('the aggregator running again', async () => ((await aggregatorHealth()).state === 'running' ? true : undefined));
    const stored = await until('every event stored', async () => {
      const [row] = await queryRows<{ n: string; lines: string }>(store, `SELECT count() AS n, uniqExact(source_line) AS lines FROM ${store.database}.events`);
      return Number(row!.n) >= produced!.rows ? row! : undefined;
    });
    expect([Number(stored.n), Number(stored.lines)]).toEqual([produced!.rows, produced!.rows]);
  });
});
