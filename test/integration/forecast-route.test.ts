// GET /api/forecast on forecasts written into the store by the forecast's writer: the newest one
// (a refit of the same origin replacing the first write), the one made before a range and
// covering it, none where no forecast covers the range, an empty store, refused parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { logger } from '../../core/logger.ts';
import { migrate } from '../../aggregates/migrate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { writeRevenueForecasts, type RevenueForecast } from '../../aggregates/forecast-queries.ts';
import { buildApp } from '../../dashboard/app.ts';
import { isolatedConfig } from '../helpers.ts';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const HOUR_MS = 3_600_000;
const O1 = Date.UTC(2019, 9, 7, 12);
const O2 = O1 + 6 * HOUR_MS;
let store: Store;
let app: FastifyInstance;

/** A forecast of 24 hours whose values follow `scale` and the hour, the bands around them. */
function forecastAt(madeAtMs: number, scale: number): RevenueForecast {
  const band = (point: number) => ({ point, lo80: point * 0.8, hi80: point * 1.2, lo95: point * 0.6, hi95: point * 1.4 });
  return {
    madeAtMs,
    model: 'mstl-ets-24',
    fallbackReason: null,
    ordersModel: 'same-hour-mean',
    ordersFallbackReason: 'constant history (0 every hour)',
    hours: Array.from({ length: 24 }, (_, h) => ({ hourStartMs: madeAtMs + h * HOUR_MS, revenue: band(scale * (h + 1)), orders: band(h + 0.5) })),
  };
}

interface Answer {
  made_at: string | null;
  model: string | null;
  fallback_reason: string | null;
  orders_model: string | null;
  orders_fallback_reason: string | null;
  hours: Array<{ hour: string; revenue: Record<string, number>; orders: Record<string, number> }>;
  total: { revenue: number; orders: number };
}

const get = async (url: string, headers: Record<string, string> = AUTH) => {
  const res = await app.inject({ url, headers });
  return { status: res.statusCode, body: res.json<Answer>() };
};
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  const config = isolatedConfig('forecastapi', { SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN });
  store = openStore(config);
  await migrate(store);
  app = await buildApp({ config, store, logger });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('GET /api/forecast', () => {
  it('answers no forecast on an empty store', async () => {
    const { status, body } = await get('/api/forecast');
    expect(status).toBe(200);
    expect(body).toEqual({ made_at: null, model: null, fallback_reason: null, orders_model: null, orders_fallback_reason: null, hours: [], total: { revenue: 0, orders: 0 } });
  });

  it('answers the newest forecast, a refit of its origin replacing the first write, with its bands and totals', async () => {
    await writeRevenueForecasts(store, [forecastAt(O1, 10)], O1 + 1000);
    await writeRevenueForecasts(store, [forecastAt(O2, 1)], O2 + 1000);
    await writeRevenueForecasts(store, [forecastAt(O2, 2)], O2 + 2000);
    const { status, body } = await get('/api/forecast');
    expect(status).toBe(200);
    expect(body.made_at).toBe(iso(O2));
    expect(body.model).toBe('mstl-ets-24');
    expect(body.fallback_reason).toBeNull();
    expect(body.orders_model).toBe('same-hour-mean');
    expect(body.orders_fallback_reason).toBe('constant history (0 every hour)');
    expect(body.hours).toHaveLength(24);
    expect(body.hours[0]).toEqual({ hour: iso(O2), revenue: { point: 2, lo80: 1.6, hi80: 2.4, lo95: 1.2, hi95: 2.8 }, orders: { point: 0.5, lo80: 0.4, hi80: 0.6, lo95: 0.3, hi95: 0.7 } });
    expect(body.hours.at(-1)!.hour).toBe(iso(O2 + 23 * HOUR_MS));
    // 2 × (1 + … + 24) and (0.5 + … + 23.5).
    expect(body.total.revenue).toBeCloseTo(600, 9);
    expect(body.total.orders).toBeCloseTo(288, 9);
  });

  it('answers the forecast made before a range over its hours, and none where no forecast covers it', async () => {
    const before = await get(`/api/forecast?from=${iso(O1 + 2 * HOUR_MS)}&to=${iso(O1 + 5 * HOUR_MS)}`);
    expect(before.status).toBe(200);
    expect(before.body.made_at).toBe(iso(O1));
    expect(before.body.hours.map((h) => h.revenue.point)).toEqual([30, 40, 50]);
    expect(before.body.total.revenue).toBeCloseTo(120, 9);
    // From O2 on: O2's forecast (the latest origin at or before from).
    const later = await get(`/api/forecast?from=${iso(O2 + HOUR_MS)}&to=${iso(O2 + 3 * HOUR_MS)}`);
    expect(later.body.made_at).toBe(iso(O2));
    expect(later.body.hours.map((h) => h.revenue.point)).toEqual([4, 6]);
    // Half of one hour and a quarter of the next: the total weighs each by its share in the range.
    const partial = await get(`/api/forecast?from=${iso(O2 + 1.5 * HOUR_MS)}&to=${iso(O2 + 2.25 * HOUR_MS)}`);
    expect(partial.body.hours.map((h) => h.revenue.point)).toEqual([4, 6]);
    expect(partial.body.total.revenue).toBeCloseTo(4 * 0.5 + 6 * 0.25, 9);
    // Past the horizon of the newest forecast, and before the first: not covered.
    expect((await get(`/api/forecast?from=${iso(O2 + 20 * HOUR_MS)}&to=${iso(O2 + 30 * HOUR_MS)}`)).body.made_at).toBeNull();
    expect((await get(`/api/forecast?from=${iso(O1 - 2 * HOUR_MS)}&to=${iso(O1)}`)).body.hours).toEqual([]);
  });

  it('refuses from without to, a range ending before it starts and a missing token', async () => {
    expect((await get(`/api/forecast?from=${iso(O1)}`)).status).toBe(400);
    expect((await get(`/api/forecast?from=${iso(O1)}&to=${iso(O1 - HOUR_MS)}`)).status).toBe(400);
    expect((await get('/api/forecast?from=yesterday&to=today')).status).toBe(400);
    expect((await get('/api/forecast', {})).status).toBe(401);
  });
});
