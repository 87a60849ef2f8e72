// `clv fit` and `clv evaluate` as users run them, after a generated week went through `backfill`:
// the fit equals the model functions applied to summaries computed independently from the CSV
// files (test/clv-reference.ts), its row is stored with source 'cli'; a degenerate fit stores
// nothing; the evaluation's actual holdout orders are the reference's count.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { backfill } from '../../cli/commands/backfill.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { latestClvEvaluation } from '../../aggregates/clv-evaluations.ts';
import { fitClvModel, scoreCustomer, type ClvModel } from '../../stream/clv/model.ts';
import { writeClvModels, type ClvModelRecord } from '../../aggregates/clv-model-writer.ts';
import { latestClvModel } from '../../aggregates/clv-tables.ts';
import type { ClvEvaluationReport } from '../../cli/commands/clv.ts';
import { ordersBefore, purchasesOfCsv, referenceSummary } from '../clv-reference.ts';
import { cliEnv, runCli } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const config = isolatedConfig('clv_command');
const dataDir = tempDir('clv-command-data');
let files: string[];

const AS_OF = Date.parse('2019-10-05T00:00:00Z');
const HOLDOUT_END = Date.parse('2019-10-07T00:00:00Z');

beforeAll(async () => {
  files = await generate({ days: 6, rowsPerDay: 6_000, out: dataDir, seed: 25 });
  await backfill(config, logger, dataDir);
}, 300_000);

function referenceModel(asOf: number): ClvModel {
  const summaries = [...ordersBefore(purchasesOfCsv(files), asOf).values()].map((orders) => referenceSummary(orders, asOf));
  const fit = fitClvModel(summaries);
  if (!fit.ok) throw new Error(`the reference fit is degenerate: ${fit.reason}`);
  return fit.model;
}

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

async function storedModels(): Promise<Array<{ fitted_at: string; source: string; r: number; customers: string }>> {
  const store = openStore(config);
  try {
    const result = await store.client.query({
      query: `SELECT toString(fitted_at) AS fitted_at, source, r, customers FROM ${store.database}.clv_models WHERE source = 'cli' ORDER BY fitted_at`,
      format: 'JSONEachRow',
    });
    return await result.json();
  } finally {
    await store.close();
  }
}

interface StoredForecast {
  user_id: string;
  as_of: string;
  frequency: string;
  recency_days: number;
  age_days: number;
  p_alive: number;
  expected_orders_30d: number;
  expected_orders_365d: number;
  expected_order_value: string;
  predicted_value_12m: string;
  model_fitted_at: string;
}

async function streamTables(): Promise<{ models: Array<ClvModelRecord & { fitted_at: string }>; forecasts: StoredForecast[] }> {
  const store = openStore(config);
  try {
    const read = async <T>(query: string) => (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
    return {
      models: await read(`SELECT * FROM ${store.database}.clv_models WHERE source = 'stream' ORDER BY fitted_at`),
      forecasts: await read(`SELECT * FROM ${store.database}.customer_value_forecast ORDER BY user_id`),
    };
  } finally {
    await store.close();
  }
}

describe('the stream\'s lifetime-value model', () => {
  it('refits once a day of event time and at the end of input; the last fit is the reference fit at the newest event time, and every purchasing customer is scored with it', async () => {
    const { models, forecasts } = await streamTables();
    const purchases = purchasesOfCsv(files);
    const newest = Math.max(...purchases.map((p) => p.ms));
    const allEvents = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(1).filter((l) => l.includes(' UTC,')).map((l) => Date.parse(l.slice(0, 19).replace(' ', 'T') + 'Z')));
    const newestEvent = Math.max(...allEvents);
    // The daily refits observe a midnight (the tick after the watermark passed it; a backfill this
    // fast passes several within one fit), the last one the newest event time.
    const last = models[models.length - 1]!;
    expect(last.fitted_at).toBe(new Date(newestEvent).toISOString().replace('T', ' ').replace('Z', ''));
    for (const daily of models.slice(0, -1)) expect(daily.fitted_at).toMatch(/ 00:00:00\.000$/);
    const orders = ordersBefore(purchases, newestEvent + 1);
    const summaries = new Map([...orders].map(([userId, list]) => [userId, referenceSummary(list, newestEvent)]));
    const fit = fitClvModel([...summaries.values()]);
    if (!fit.ok) throw new Error(fit.reason);
    expect(Number(last.customers)).toBe(fit.model.customers);
    for (const key of ['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma'] as const) expect(relative(last[key], fit.model[key])).toBeLessThan(1e-6);
    expect(newest).toBeLessThanOrEqual(newestEvent);

    expect(forecasts.map((f) => f.user_id)).toEqual([...summaries.keys()].sort());
    for (const f of forecasts) {
      const summary = summaries.get(f.user_id)!;
      const score = scoreCustomer(fit.model, summary);
      expect(f.model_fitted_at).toBe(last.fitted_at);
      expect(Number(f.frequency)).toBe(summary.frequency);
      expect(f.age_days).toBeCloseTo(summary.ageDays, 9);
      expect(f.p_alive).toBeCloseTo(score.pAlive, 6);
      expect(f.expected_orders_365d).toBeCloseTo(score.expectedOrders365d, 5);
      expect(Number(f.predicted_value_12m)).toBeCloseTo(score.predictedValue12m, 1);
    }
  }, 120_000);
});

describe('the stream\'s model in the store', () => {
  it('reads back its latest model as written (the one in force when an aggregator restarts)', async () => {
    const store = openStore(config);
    try {
      const model = { fittedAt: Date.parse('2030-01-02T03:04:05.678Z'), customers: 5, repeatCustomers: 2, r: 0.25, alpha: 4.4, a: 0.79, b: 2.4, bgnbdLogLikelihood: -9582.4, p: 6.25, q: 3.74, gamma: 15.44, ggLogLikelihood: -4000.5, iterations: 321, converged: true, durationMs: 12, source: 'stream' as const };
      await writeClvModels(store, [model, { ...model, fittedAt: model.fittedAt - 86_400_000, r: 9 }]);
      expect(await latestClvModel(store, 'stream')).toEqual(model);
    } finally {
      await store.close();
    }
  });
});

describe('clv commands', () => {
  it('clv fit --as-of equals the models fitted on summaries computed from the CSV files, and stores its row', async () => {
    const run = await runCli(['clv', 'fit', '--as-of', '2019-10-05T00:00:00Z'], cliEnv(config), 180_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const fit = JSON.parse(lines[0]!) as ClvModelRecord;
    const expected = referenceModel(AS_OF);
    expect(fit.fitted_at).toBe('2019-10-05T00:00:00.000Z');
    expect(fit).toMatchObject({ customers: expected.customers, repeat_customers: expected.repeatCustomers, converged: true, time_unit: 'day', source: 'cli' });
    expect(expected.customers).toBeGreaterThan(100);
    expect(expected.repeatCustomers).toBeGreaterThan(30);
    const pairs: Array<[number, number]> = [
      [fit.r, expected.r],
      [fit.alpha, expected.alpha],
      [fit.a, expected.a],
      [fit.b, expected.b],
      [fit.p, expected.p],
      [fit.q, expected.q],
      [fit.gamma, expected.gamma],
    ];
    for (const [actual, wanted] of pairs) expect(relative(actual, wanted)).toBeLessThan(1e-6);
    expect(relative(fit.bgnbd_log_likelihood, expected.bgNbdLogLikelihood)).toBeLessThan(1e-9);
    expect(relative(fit.gg_log_likelihood, expected.gammaGammaLogLikelihood)).toBeLessThan(1e-9);
    expect(fit.iterations).toBeGreaterThan(0);
    expect(fit.duration_ms).toBeGreaterThanOrEqual(0);
    console.log(`clv fit on ${fit.customers} customers (${fit.repeat_customers} repeat): ${fit.duration_ms} ms, ${fit.iterations} iterations`);

    const stored = await storedModels();
    expect(stored).toEqual([{ fitted_at: '2019-10-05 00:00:00.000', source: 'cli', r: fit.r, customers: String(fit.customers) }]);
  }, 240_000);

  it('a degenerate fit is one line on stderr, a non-zero exit, and stores nothing', async () => {
    const before = await storedModels();
    const run = await runCli(['clv', 'fit', '--as-of', '2019-10-01T00:10:00Z'], cliEnv(config), 180_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: clv fit: no model fits the orders before 2019-10-01T00:10:00\.000Z: .*nothing stored/);
    expect(await storedModels()).toEqual(before);
  }, 240_000);

  it('clv evaluate --json counts the holdout orders the CSV files hold, and stores its summary', async () => {
    const run = await runCli(['clv', 'evaluate', '--calibration-end', '2019-10-05', '--holdout-end', '2019-10-07', '--json'], cliEnv(config), 180_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ClvEvaluationReport;

    const purchases = purchasesOfCsv(files);
    const calibration = ordersBefore(purchases, AS_OF);
    const holdout = [...ordersBefore(purchases, HOLDOUT_END)].filter(([userId]) => calibration.has(userId));
    const holdoutOrders = holdout.reduce((sum, [, orders]) => sum + orders.filter((o) => o.ms >= AS_OF).length, 0);
    expect(holdoutOrders).toBeGreaterThan(0);
    expect(report.customers).toBe(calibration.size);
    expect(report.total_actual).toBe(holdoutOrders);
    expect(report.holdout_days).toBe(2);
    expect(report.model.r).toBeCloseTo(referenceModel(AS_OF).r, 6);
    expect(report.by_frequency.map((g) => g.calibration_repeat_orders)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(report.by_frequency.reduce((sum, g) => sum + g.customers, 0)).toBe(report.customers);
    const predicted = report.by_frequency.reduce((sum, g) => sum + g.customers * (g.mean_predicted ?? 0), 0);
    const actual = report.by_frequency.reduce((sum, g) => sum + g.customers * (g.mean_actual ?? 0), 0);
    expect(relative(predicted, report.total_predicted)).toBeLessThan(1e-9);
    expect(actual).toBeCloseTo(report.total_actual, 6);
    expect(report.total_predicted).toBeGreaterThan(0);
    expect(report.mean_absolute_error).toBeGreaterThan(0);

    const store = openStore(config);
    try {
      const latest = await latestClvEvaluation(store);
      expect(latest).toMatchObject({
        calibration_end: '2019-10-05T00:00:00.000Z',
        holdout_end: '2019-10-07T00:00:00.000Z',
        customers: report.customers,
        total_actual: report.total_actual,
        model_fitted_at: '2019-10-05T00:00:00.000Z',
        by_frequency: report.by_frequency,
      });
      expect(latest!.total_predicted).toBeCloseTo(report.total_predicted, 9);
      expect(latest!.r).toBe(report.model.r);
    } finally {
      await store.close();
    }
  }, 240_000);

  it('clv evaluate without --json prints the table', async () => {
    const run = await runCli(['clv', 'evaluate', '--calibration-end', '2019-10-05', '--holdout-end', '2019-10-07'], cliEnv(config), 180_000);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/repeat orders actual\s+\d+/);
    expect(run.stdout).toMatch(/^\s+7\+\s+\d+/m);
  }, 240_000);
});
