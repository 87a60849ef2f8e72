// The predicted-value routes (GET /api/clv/at-risk, /api/clv/top-value, /api/clv/p-alive,
// /api/clv/model) on rows written straight into the store: customer_lifetime_value (past revenue),
// customer_value_forecast (versioned scores) and clv_models (fits), each answer checked against
// what the rows imply; an empty store (no model fitted yet); a store holding evaluations
// (written by `clv evaluate`'s writer); refused parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { logger } from '../../core/logger.ts';
import { migrate } from '../../aggregates/migrate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { buildApp } from '../../dashboard/app.ts';
import { isolatedConfig } from '../helpers.ts';
import { seedFits, seedForecasts, type ForecastSeed } from '../clv-seed.ts';
import { writeClvEvaluation } from '../../aggregates/clv-evaluations.ts';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const config = isolatedConfig('clvapi', { SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN });
const stores: Store[] = [];
const apps: FastifyInstance[] = [];
let app: FastifyInstance;
let emptyApp: FastifyInstance;
let evaluatedApp: FastifyInstance;

type Customer = ForecastSeed;
const AS_OF = '2019-10-07 12:00:00.000';
// Past revenue and the current score of each customer; one id above 2^53; u6 exactly at the 0.5 line.
const CUSTOMERS: Customer[] = [
  { user_id: '1', revenue: '900.00', orders: 5, last: '2019-10-01 10:00:00', p_alive: 0.3, e30: 0.21, e365: 1.9, eov: '180.00', pv: '310.25' },
  { user_id: '2', revenue: '500.50', orders: 3, last: '2019-10-02 11:00:00', p_alive: 0.49, e30: 0.3, e365: 2.4, eov: '160.10', pv: '355.00' },
  { user_id: '3', revenue: '1200.00', orders: 8, last: '2019-10-07 09:00:00', p_alive: 0.9, e30: 1.2, e365: 9.5, eov: '150.00', pv: '1290.99' },
  { user_id: '4', revenue: '300.00', orders: 2, last: '2019-10-01 08:00:00', p_alive: 0.1, e30: 0.02, e365: 0.2, eov: '150.00', pv: '25.00' },
  { user_id: '5', revenue: '50.00', orders: 1, last: '2019-10-01 07:00:00', p_alive: 0.05, e30: 0.01, e365: 0.1, eov: '60.00', pv: '5.50' },
  { user_id: '6', revenue: '700.00', orders: 4, last: '2019-10-05 07:00:00', p_alive: 0.5, e30: 0.4, e365: 3.1, eov: '175.00', pv: '355.00' },
  { user_id: '9007199254740993', revenue: '650.00', orders: 2, last: '2019-10-03 07:00:00', p_alive: 0.2, e30: 0.1, e365: 0.9, eov: '325.00', pv: '240.00' },
  { user_id: '10', revenue: '20.00', orders: 2, last: '2019-10-07 11:00:00', p_alive: 1, e30: 0.5, e365: 4.2, eov: '10.00', pv: '38.00' },
];

async function seedCustomers(store: Store): Promise<void> {
  // u1 and u4 scored before: the later version is the truth (the earlier one said alive).
  await seedForecasts(store, CUSTOMERS, AS_OF, new Map([['1', 0.95], ['4', 0.99]]));
  // Three fits: the latest observation end fitted twice, by the aggregator and by `clv fit`; the
  // aggregator's did not converge on Gamma-Gamma (NaN log-likelihood).
  await seedFits(store, [
    { at: '2019-10-05 00:00:00.000', r: 0.1, ggLogLikelihood: '-300.25', converged: true, source: 'stream' },
    { at: '2019-10-07 00:00:00.000', r: 0.3, ggLogLikelihood: '-310.5', converged: true, source: 'cli' },
    { at: '2019-10-07 00:00:00.000', r: 0.2426, ggLogLikelihood: 'nan', converged: false, source: 'stream' },
  ]);
}

/** Two runs of `clv evaluate`, the later one last. */
async function seedEvaluations(store: Store): Promise<void> {
  const run = (evaluated_at: string, calibration_end: string, holdout_end: string, customers: number, total_predicted: number, total_actual: number, mean_absolute_error: number) => ({
    evaluated_at,
    calibration_end,
    holdout_end,
    customers,
    total_predicted,
    total_actual,
    mean_absolute_error,
    model_fitted_at: calibration_end,
    r: 0.24,
    alpha: 4.4,
    a: 0.79,
    b: 2.4,
    by_frequency: [{ calibration_repeat_orders: '0', customers, mean_predicted: 0.1, mean_actual: 0.2 }],
  });
  await writeClvEvaluation(store, run('2019-10-08 09:00:00.000', '2019-10-03 00:00:00.000', '2019-10-05 00:00:00.000', 80, 30.5, 28, 0.41));
  await writeClvEvaluation(store, run('2019-10-08 10:30:00.000', '2019-10-05 00:00:00.000', '2019-10-07 00:00:00.000', 95, 41.25, 44, 0.37));
}

async function appOn(namespace: string, seed: (s: Store) => Promise<void>): Promise<FastifyInstance> {
  const store = openStore({ ...config, namespace });
  stores.push(store);
  await migrate(store);
  await seed(store);
  const built = await buildApp({ config, store, logger });
  await built.ready();
  apps.push(built);
  return built;
}

beforeAll(async () => {
  app = await appOn(config.namespace, seedCustomers);
  // The tables and nothing in them.
  emptyApp = await appOn(`${config.namespace}_e`, async () => {});
  evaluatedApp = await appOn(`${config.namespace}_v`, async (s) => {
    await seedCustomers(s);
    await seedEvaluations(s);
  });
});

afterAll(async () => {
  for (const a of apps) await a.close();
  for (const s of stores) await s.close();
});

async function get<T>(url: string, on: FastifyInstance = app, headers: Record<string, string> = AUTH): Promise<{ status: number; body: T }> {
  const res = await on.inject({ url, headers });
  return { status: res.statusCode, body: res.json() as T };
}

/** A customer as the routes answer it, from its seed row. */
const answerOf = (c: Customer) => ({
  user_id: c.user_id,
  past_revenue: Number(c.revenue),
  orders: c.orders,
  last_purchase_at: `${c.last.replace(' ', 'T')}Z`,
  frequency: c.orders - 1,
  p_alive: c.p_alive,
  expected_orders_30d: c.e30,
  expected_orders_365d: c.e365,
  expected_order_value: Number(c.eov),
  predicted_value_12m: Number(c.pv),
  as_of: `${AS_OF.replace(' ', 'T')}Z`,
});
/** Ties broken by user id, as numbers. */
const byThenId = (key: (c: Customer) => number) => (x: Customer, y: Customer) => key(y) - key(x) || (BigInt(x.user_id) < BigInt(y.user_id) ? -1 : 1);

describe('GET /api/clv/at-risk', () => {
  const atRisk = (below: number) => CUSTOMERS.filter((c) => c.p_alive < below).sort(byThenId((c) => Number(c.revenue)));

  it('customers with P(alive) below 0.5 by past revenue, their latest score, following limit and p_alive_below', async () => {
    const want = atRisk(0.5);
    expect(want.map((c) => c.user_id)).toEqual(['1', '9007199254740993', '2', '4', '5']);
    expect(await get('/api/clv/at-risk')).toEqual({ status: 200, body: want.map(answerOf) });
    expect((await get('/api/clv/at-risk?limit=2')).body).toEqual(want.slice(0, 2).map(answerOf));
    expect((await get('/api/clv/at-risk?p_alive_below=0.25')).body).toEqual(atRisk(0.25).map(answerOf));
    // 1 takes everyone but the customer certainly alive.
    expect((await get<unknown[]>('/api/clv/at-risk?p_alive_below=1&limit=1000')).body).toHaveLength(CUSTOMERS.length - 1);
    expect(await get('/api/clv/at-risk', emptyApp)).toEqual({ status: 200, body: [] });
  });
});

describe('GET /api/clv/top-value', () => {
  it('customers by predicted value over 12 months, ties by user id, following limit', async () => {
    const want = [...CUSTOMERS].sort(byThenId((c) => Number(c.pv)));
    expect(want.slice(0, 3).map((c) => c.user_id)).toEqual(['3', '2', '6']);
    expect(await get('/api/clv/top-value')).toEqual({ status: 200, body: want.map(answerOf) });
    expect((await get('/api/clv/top-value?limit=3')).body).toEqual(want.slice(0, 3).map(answerOf));
    expect(await get('/api/clv/top-value', emptyApp)).toEqual({ status: 200, body: [] });
  });
});

describe('GET /api/clv/p-alive', () => {
  const bins = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      lower: i / n,
      upper: (i + 1) / n,
      customers: CUSTOMERS.filter((c) => Math.min(Math.floor(c.p_alive * n), n - 1) === i).length,
    }));

  it('customers per bin of P(alive), 10 by default, the last one holding 1, every bin present', async () => {
    const ten = bins(10);
    expect(ten.map((b) => b.customers)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 2]);
    expect(await get('/api/clv/p-alive')).toEqual({ status: 200, body: ten });
    expect((await get('/api/clv/p-alive?bins=4')).body).toEqual(bins(4));
    expect((await get('/api/clv/p-alive', emptyApp)).body).toEqual(bins(10).map((b) => ({ ...b, customers: 0 })));
  });
});

describe('GET /api/clv/model', () => {
  const latestFit = {
    fitted_at: '2019-10-07T00:00:00.000Z',
    customers: 120,
    repeat_customers: 40,
    r: 0.2426,
    alpha: 4.4,
    a: 0.79,
    b: 2.4,
    bgnbd_log_likelihood: -950.5,
    p: 6.25,
    q: 3.74,
    gamma: 15.44,
    gg_log_likelihood: null,
    iterations: 210,
    converged: false,
    duration_ms: 35,
    time_unit: 'day',
    source: 'stream',
  };

  it("the latest fit (the aggregator's at a tie), a NaN as null; no evaluation while none is stored", async () => {
    expect(await get('/api/clv/model')).toEqual({ status: 200, body: { model: latestFit, evaluation: null } });
  });

  it('nothing fitted, nothing evaluated: both null', async () => {
    expect(await get('/api/clv/model', emptyApp)).toEqual({ status: 200, body: { model: null, evaluation: null } });
  });

  it('the latest evaluation stored', async () => {
    expect(await get('/api/clv/model', evaluatedApp)).toEqual({
      status: 200,
      body: {
        model: latestFit,
        evaluation: {
          evaluated_at: '2019-10-08T10:30:00.000Z',
          calibration_end: '2019-10-05T00:00:00.000Z',
          holdout_end: '2019-10-07T00:00:00.000Z',
          customers: 95,
          total_predicted: 41.25,
          total_actual: 44,
          mean_absolute_error: 0.37,
        },
      },
    });
  });
});

describe('refusals, as the other routes answer them', () => {
  it.each([
    ['/api/clv/at-risk?limit=0', 'limit'],
    ['/api/clv/at-risk?limit=1001', 'limit'],
    ['/api/clv/at-risk?limit=ten', 'limit'],
    ['/api/clv/at-risk?p_alive_below=0', 'p_alive_below'],
    ['/api/clv/at-risk?p_alive_below=1.5', 'p_alive_below'],
    ['/api/clv/at-risk?p_alive_below=half', 'p_alive_below'],
    ['/api/clv/top-value?limit=0', 'limit'],
    ['/api/clv/top-value?limit=1001', 'limit'],
    ['/api/clv/p-alive?bins=0', 'bins'],
    ['/api/clv/p-alive?bins=101', 'bins'],
  ])('%s is refused with 400 and a reason', async (url, reason) => {
    const res = await get<{ statusCode: number; code: string; error: string; message: string; retriable: boolean }>(url);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'DASH_ERR_BAD_PARAMS', error: 'Bad Request', retriable: false });
    expect(res.body.message).toContain(reason);
  });

  it('needs the bearer token', async () => {
    for (const path of ['/api/clv/at-risk', '/api/clv/top-value', '/api/clv/p-alive', '/api/clv/model']) {
      const res = await get<{ code: string }>(path, app, {});
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('DASH_ERR_UNAUTHORIZED');
    }
  });
});
