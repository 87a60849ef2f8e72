// GET /metrics on an app built against a real job: the connector ingests a generated day and a
// slice with bad rows while the job runs, and the Prometheus text then names every metric with
// its type, and its counts equal what was processed (the store's tables, the job's own view and
// the connector's); beside them the process and Node metrics, the components' states and the
// app's own requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { logger } from '../../core/logger.ts';
import { topics } from '../../core/topics.ts';
import { inputEndOffsets } from '../../core/kafka.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { Connector } from '../../ingest/index.ts';
import { CSV_HEADER, generate } from '../../ingest/tools/generate.ts';
import { AggregatorJob, DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { buildApp } from '../../dashboard/app.ts';
import { createMetricsRegistry } from '../../dashboard/routes/metrics.ts';
import { inboxBacklog } from '../../ingest/connector-totals.ts';
import type { ComponentsView } from '../../core/component-status.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';
import { finishAtEnd } from '../job-run.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const config = isolatedConfig('metrics', { SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN });
const dataDir = tempDir('metrics-data');

const BAD_ROWS = [
  '2019-10-02 00:00:05 UTC,purchase,5809910,1602943681873052386,,grattol,-5.24,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a',
  '2019-10-02 00:00:06 UTC,wishlist,5809910,1602943681873052386,,grattol,5.24,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a',
  '2019-13-45 00:00:07 UTC,view,5809910,1602943681873052386,,grattol,5.24,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a',
];
const GOOD_ROWS = ['2019-10-02 00:00:08 UTC,view,5809910,1602943681873052386,,grattol,5.24,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a'];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, as much of it as prom-client writes: # TYPE lines and samples. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    const value = /^nan$/i.test(m[3]!) ? Number.NaN : m[3] === '+Inf' ? Infinity : Number(m[3]);
    samples.push({ name: m[1]!, labels, value });
  }
  return { types, samples };
}

let store: Store;
let job: AggregatorJob;
let app: FastifyInstance;
let connector: Connector;
const since = new Date().toISOString();
const components = (): ComponentsView => ({
  connector: { state: 'running', since },
  aggregator: { state: 'retrying', since, reason: 'store write failed (attempt 1, retrying): ENOSPC' },
});

beforeAll(async () => {
  await generate({ days: 1, rowsPerDay: 3000, out: dataDir, seed: 29 });
  writeFileSync(join(dataDir, '2019-10-02.csv'), `${CSV_HEADER}\n${[...BAD_ROWS, ...GOOD_ROWS].join('\n')}\n`);
  store = await prepareRuntime(config, logger);
  // No idleness: the watermark follows the data alone, whatever the machine's pace.
  job = aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 });
  await job.start();
  connector = new Connector(config, logger, { inbox: dataDir });
  const source = { totals: () => connector.totals.view(), backlog: () => inboxBacklog(dataDir) };
  app = await buildApp({ config, store, job, logger, metrics: createMetricsRegistry(), components, connector: source });
  await app.ready();
  // The job is running when the rows arrive: what /metrics counts is processing, not a restore.
  await connector.open();
  try {
    for (const file of ['2019-10-01.csv', '2019-10-02.csv']) await connector.takeFile(join(dataDir, file), { inPlace: true });
  } finally {
    await connector.close();
  }
  await finishAtEnd(job, config);
});

afterAll(async () => {
  await app?.close();
  await job?.stop();
  await store?.close();
});

describe('GET /metrics', () => {
  it('needs the bearer token like /api', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }]) {
      const res = await app.inject({ url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'DASH_ERR_UNAUTHORIZED' });
    }
    expect((await app.inject({ url: `/metrics?token=${TOKEN}` })).statusCode).toBe(401);
  });

  it('serves Prometheus text whose counts equal what the job processed', async () => {
    const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parseExposition(res.body);
    expect(Object.fromEntries(types)).toMatchObject({
      salesinsights_events_in_total: 'counter',
      salesinsights_rows_out_total: 'counter',
      salesinsights_rejected_total: 'counter',
      salesinsights_late_events_total: 'counter',
      salesinsights_duplicate_events_total: 'counter',
      salesinsights_consumer_lag: 'gauge',
      salesinsights_watermark_seconds: 'gauge',
      salesinsights_end_to_end_latency_seconds: 'histogram',
      salesinsights_checkpoint_duration_seconds: 'histogram',
      salesinsights_store_insert_duration_seconds: 'histogram',
      salesinsights_connector_files_ingested_total: 'counter',
      salesinsights_connector_files_already_ingested_total: 'counter',
      salesinsights_connector_files_failed_total: 'counter',
      salesinsights_connector_rows_ingested_total: 'counter',
      salesinsights_connector_rows_rejected_total: 'counter',
      salesinsights_connector_retries_total: 'counter',
      salesinsights_connector_inbox_files: 'gauge',
      salesinsights_component_state: 'gauge',
      salesinsights_http_requests_total: 'counter',
      salesinsights_http_request_duration_seconds: 'histogram',
      // The process and Node (prom-client's default collectors).
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
    });
    const value = (name: string, labels: Record<string, string> = {}) => {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0]!.value;
    };

    const [stored] = await queryRows<{ events: string; sales: string; customers: string; rejected: string }>(
      store,
      `SELECT (SELECT count() FROM ${store.database}.events) AS events,
              (SELECT count() FROM ${store.database}.sales_per_product) AS sales,
              (SELECT count() FROM ${store.database}.customer_lifetime_value) AS customers,
              (SELECT count() FROM ${store.database}.rejected_events) AS rejected`,
      {},
    );
    const pipeline = job.metrics();
    // Every valid line once: the generated day and the good row of the second slice.
    expect(Number(stored!.events)).toBe(3000 + GOOD_ROWS.length);
    expect(value('salesinsights_events_in_total')).toBe(Number(stored!.events));
    expect(value('salesinsights_events_in_total')).toBe(pipeline.eventsTotal);
    expect(value('salesinsights_rows_out_total', { table: 'events' })).toBe(Number(stored!.events));
    // Early firings write a row again with a higher version: at least one row per final one.
    expect(value('salesinsights_rows_out_total', { table: 'sales_per_product' })).toBeGreaterThanOrEqual(Number(stored!.sales));
    expect(value('salesinsights_rows_out_total', { table: 'customer_lifetime_value' })).toBeGreaterThanOrEqual(Number(stored!.customers));
    expect(Number(stored!.sales)).toBeGreaterThan(100);
    expect(value('salesinsights_rejected_total')).toBe(BAD_ROWS.length);
    expect(Number(stored!.rejected)).toBe(BAD_ROWS.length);
    expect(value('salesinsights_duplicate_events_total')).toBe(pipeline.duplicatesTotal);
    // The generator repeats about 17% of its rows exactly.
    expect(value('salesinsights_duplicate_events_total')).toBeGreaterThan(100);
    expect(value('salesinsights_late_events_total')).toBe(pipeline.lateTotal);
    expect(value('salesinsights_rows_out_total', { table: 'late_events' })).toBe(pipeline.lateTotal);

    // Read to the end: every events partition is there, with no lag.
    const eventsTopic = topics(config.namespace).events;
    const lag = samples.filter((s) => s.name === 'salesinsights_consumer_lag' && s.labels.topic === eventsTopic);
    expect(lag.map((s) => s.labels.partition).sort()).toEqual([...(await inputEndOffsets(config)).keys()].filter((k) => k.startsWith(`${eventsTopic}:`)).map((k) => k.slice(k.lastIndexOf(':') + 1)).sort());
    expect(lag.every((s) => s.value === 0)).toBe(true);
    const watermark = value('salesinsights_watermark_seconds');
    expect(watermark).toBe(pipeline.watermark! / 1000);
    expect(watermark).toBeGreaterThan(Date.UTC(2019, 9, 1) / 1000);
    expect(watermark).toBeLessThan(Date.UTC(2019, 9, 3) / 1000);

    for (const histogram of ['salesinsights_end_to_end_latency_seconds', 'salesinsights_checkpoint_duration_seconds', 'salesinsights_store_insert_duration_seconds']) {
      const count = value(`${histogram}_count`);
      expect(count, histogram).toBeGreaterThanOrEqual(1);
      expect(value(`${histogram}_sum`), histogram).toBeGreaterThan(0);
      const buckets = samples.filter((s) => s.name === `${histogram}_bucket`);
      expect(buckets.length, histogram).toBeGreaterThan(5);
      // Cumulative, ending in +Inf with every observation.
      expect(buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1]!.value), histogram).toBe(true);
      expect(buckets.at(-1)!.labels.le).toBe('+Inf');
      expect(buckets.at(-1)!.value).toBe(count);
    }
    // The latency is what the health view reports: the same samples, here in seconds.
    expect(value('salesinsights_end_to_end_latency_seconds_count')).toBe(pipeline.latencyMs.samples);
    expect(value('salesinsights_checkpoint_duration_seconds_count')).toBeGreaterThanOrEqual(1);

    // The connector: both files, every good row produced and each bad one rejected; the two files
    // stay in the data folder (taken in place), where the backlog counts them.
    expect(value('salesinsights_connector_files_ingested_total')).toBe(2);
    expect(value('salesinsights_connector_files_already_ingested_total')).toBe(0);
    expect(value('salesinsights_connector_files_failed_total')).toBe(0);
    expect(value('salesinsights_connector_rows_ingested_total')).toBe(Number(stored!.events));
    expect(value('salesinsights_connector_rows_rejected_total')).toBe(BAD_ROWS.length);
    expect(value('salesinsights_connector_retries_total')).toBe(0);
    expect(value('salesinsights_connector_inbox_files')).toBe(2);
    // One gauge per component and state, 1 for the state it is in.
    const states = samples.filter((s) => s.name === 'salesinsights_component_state').map((s) => `${s.labels.component} ${s.labels.state} ${s.value}`);
    expect(states.sort()).toEqual(['aggregator failed 0', 'aggregator retrying 1', 'aggregator running 0', 'connector failed 0', 'connector retrying 0', 'connector running 1']);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it("counts the app's requests by route, method and status, with their durations", async () => {
    const scrape = async () => parseExposition((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body).samples;
    const count = (samples: Sample[], name: string, labels: Record<string, string>) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
    const before = await scrape();
    const health = { route: '/api/health', method: 'GET', status: '200' };
    const missing = { route: 'unmatched', method: 'GET', status: '404' };
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/api/health', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/no/such/page', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
    const after = await scrape();
    expect(count(after, 'salesinsights_http_requests_total', health) - count(before, 'salesinsights_http_requests_total', health)).toBe(3);
    expect(count(after, 'salesinsights_http_requests_total', missing) - count(before, 'salesinsights_http_requests_total', missing)).toBe(1);
    // The scrape before this one is counted too, once it was answered.
    expect(count(after, 'salesinsights_http_requests_total', { route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
    const durations = (samples: Sample[]) => count(samples, 'salesinsights_http_request_duration_seconds_count', { route: '/api/health', method: 'GET' });
    expect(durations(after) - durations(before)).toBe(3);
  });
});
