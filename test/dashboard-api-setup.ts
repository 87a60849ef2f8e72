// The dashboard API test files' common ground, set up by importing this module: a store filled by
// a real backfill of generated data, an aggregator job on it and the app, and the answers of the
// independent reducer (test/reference.ts) to check every number against. Each test file has its
// own home and namespace (one embedded store per process) and pays for its own backfill.
import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { logger } from '../core/logger.ts';
import { createKafka } from '../core/kafka.ts';
import { backfill } from '../cli/commands/backfill.ts';
import { generate } from '../ingest/tools/generate.ts';
import { AggregatorJob } from '../stream/job.ts';
import { aggregatorJob } from '../cli/runtime.ts';
import { openStore } from '../aggregates/open-store.ts';
import type { Store } from '../aggregates/store.ts';
import { buildApp } from '../dashboard/app.ts';
import { isolatedConfig, tempDir } from './helpers.ts';
import { reduceCsv } from './reference.ts';
import { ExpectedDashboard, rawRows } from './dashboard-expected.ts';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` };
export const config = isolatedConfig('dashapi', { SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN });
const dataDir = tempDir('dashapi-data');

export let want: ExpectedDashboard;
export let store: Store;
let job: AggregatorJob;
export let app: FastifyInstance;

export async function get<T>(url: string, headers: Record<string, string> = AUTH): Promise<{ status: number; body: T }> {
  const res = await app.inject({ url, headers });
  return { status: res.statusCode, body: res.json() as T };
}

beforeAll(async () => {
  const files = await generate({ days: 2, rowsPerDay: 6000, out: dataDir, seed: 17 });
  want = new ExpectedDashboard(reduceCsv(files, new Set()), rawRows(files));
  await backfill(config, logger, dataDir);
  store = openStore(config);
  job = aggregatorJob(config, store, logger);
  await job.start();
  app = await buildApp({ config, store, job, logger, ingest: { kafka: createKafka(config, 'dashapi-http-source') } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await job?.stop();
  await store?.close();
});
