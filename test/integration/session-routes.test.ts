// The session routes (GET /api/sessions/abandonment, /api/sessions/abandoned-products) and the
// abandonment views on sessions written straight into the store: exact answers for the default
// range against the hour before, from/to, span=today, brand and category filters, an empty range,
// an empty store and refused parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { logger } from '../../core/logger.ts';
import { migrate } from '../../aggregates/migrate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import type { Store } from '../../aggregates/store.ts';
import { buildApp } from '../../dashboard/app.ts';
import { isolatedConfig } from '../helpers.ts';
import { seedProductEvents, seedSessions } from '../session-seed.ts';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const config = isolatedConfig('sessapi', { SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN });
let store: Store;
let empty: Store;
let app: FastifyInstance;
let emptyApp: FastifyInstance;

const day = (hms: string) => `2019-10-01 ${hms}`;
// The products: 101 and 102 of acme, 103 of zeta; 101 and 103 in electronics.
const PRODUCTS = [
  { product_id: 101, brand: 'acme', category_code: 'electronics.audio' },
  { product_id: 102, brand: 'acme', category_code: 'appliances.kitchen' },
  { product_id: 103, brand: 'zeta', category_code: 'electronics.phone' },
];
// Sessions by their end: 11:00-12:00 is the latest hour (the newest window ends at 12:00), 10:00-11:00 the one before.
const S1 = { user_id: 1, user_session: 's1', session_start: day('10:50:00'), session_end: day('11:10:00') };
const S2 = { user_id: 2, user_session: '', session_start: day('11:20:00'), session_end: day('11:40:00') };
const S3 = { user_id: 3, user_session: 's3', session_start: day('11:50:00'), session_end: day('11:59:59') };
const S4 = { user_id: 4, user_session: 's4', session_start: day('11:25:00'), session_end: day('11:30:00') };
const S5 = { user_id: 5, user_session: 's5', session_start: day('10:20:00'), session_end: day('10:30:00') };
const S6 = { user_id: 6, user_session: 's6', session_start: day('10:40:00'), session_end: day('10:45:00') };
const S7 = { user_id: 7, user_session: 's7', session_start: day('11:55:00'), session_end: day('12:00:00') };

beforeAll(async () => {
  store = openStore(config);
  await migrate(store);
  await seedProductEvents(store, PRODUCTS, day('09:00:00'));
  // The newest window ends at 12:00: span= ranges end there.
  await store.client.insert({
    table: `${store.database}.sales_per_product_partials`,
    format: 'JSONEachRow',
    values: [{ window_start: day('11:59:00'), window_end: day('12:00:00'), product_id: 101, source_partition: 0, revenue: '1.00', purchases: 1, views: 0, carts: 0, removals: 0, is_final: 1, version: 1 }],
  });
  await seedSessions(
    store,
    [
      // S1 written twice: the later version is the truth.
      { ...S1, views: 9, carts: 9, purchases: 9, version: 1 },
      { ...S1, views: 1, carts: 3, cart_value: '50.00', abandoned_value: '30.00', version: 2 },
      { ...S2, carts: 1, purchases: 1, cart_value: '10.00', purchase_value: '10.00' },
      // Bought something it never carted: not abandoned, its carted product is.
      { ...S3, carts: 1, purchases: 1, cart_value: '5.50', purchase_value: '99.00', abandoned_value: '5.50' },
      { ...S4, views: 3 },
      { ...S5, carts: 1, cart_value: '10.00', abandoned_value: '10.00' },
      { ...S6, carts: 1, purchases: 1, cart_value: '20.00', purchase_value: '20.00' },
      { ...S7, carts: 1, cart_value: '20.00', abandoned_value: '20.00' },
    ],
    [
      { ...S1, product_id: 101, abandoned_value: '10.00' },
      { ...S1, product_id: 102, carts: 2, abandoned_value: '20.00' },
      { ...S2, product_id: 101, purchased: true },
      { ...S3, product_id: 103, abandoned_value: '5.50' },
      { ...S5, product_id: 101, abandoned_value: '10.00' },
      { ...S6, product_id: 102, purchased: true },
      { ...S7, product_id: 102, abandoned_value: '20.00' },
    ],
  );
  app = await buildApp({ config, store, logger });
  await app.ready();
  // A second namespace with the tables and nothing in them.
  empty = openStore({ ...config, namespace: `${config.namespace}_e` });
  await migrate(empty);
  emptyApp = await buildApp({ config, store: empty, logger });
  await emptyApp.ready();
});

afterAll(async () => {
  await app?.close();
  await emptyApp?.close();
  await empty?.close();
  await store?.close();
});

async function get<T>(url: string, on: FastifyInstance = app, headers: Record<string, string> = AUTH): Promise<{ status: number; body: T }> {
  const res = await on.inject({ url, headers });
  return { status: res.statusCode, body: res.json() as T };
}

type Figures = { sessions: number; sessions_with_cart: number; sessions_with_purchase: number; abandoned: number; abandoned_value: number };
const figures = (sessions: number, withCart: number, withPurchase: number, abandoned: number, value: number) => ({
  sessions,
  sessions_with_cart: withCart,
  sessions_with_purchase: withPurchase,
  abandoned,
  abandonment_rate: withCart === 0 ? 0 : abandoned / withCart,
  abandoned_value: value,
});
const ZERO = figures(0, 0, 0, 0, 0);
const change = (c: number, p: number) => (p === 0 ? null : (c - p) / p);
function changes(current: ReturnType<typeof figures>, previous: ReturnType<typeof figures>) {
  const keys = ['sessions', 'sessions_with_cart', 'sessions_with_purchase', 'abandoned', 'abandonment_rate', 'abandoned_value'] as const;
  return Object.fromEntries(keys.map((k) => [k, change(current[k], previous[k])]));
}
const iso = (text: string) => `${text.replace(' ', 'T')}.000Z`;
const hour = (text: string, f: ReturnType<typeof figures>) => ({ hour: `${text.replace(' ', 'T')}Z`, ...f });

describe('GET /api/sessions/abandonment', () => {
  it('by default the latest hour of event time against the hour before, with its hours', async () => {
    const current = figures(4, 3, 2, 1, 35.5);
    const previous = figures(2, 2, 1, 1, 10);
    const res = await get('/api/sessions/abandonment');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from: iso(day('11:00:00')),
      to: iso(day('12:00:00')),
      previous_from: iso(day('10:00:00')),
      previous_to: iso(day('11:00:00')),
      current,
      previous,
      change: changes(current, previous),
      hours: [hour(day('11:00:00'), current)],
    });
    // The view of the migration says the same of that hour.
    const [viewed] = await queryRows<Figures & { abandonment_rate: number }>(
      store,
      `SELECT sessions, sessions_with_cart, sessions_with_purchase, abandoned, abandonment_rate, toFloat64(abandoned_value) AS abandoned_value
       FROM ${store.database}.session_abandonment_hourly WHERE hour = toDateTime('2019-10-01 11:00:00', 'UTC')`,
    );
    expect(Object.fromEntries(Object.entries(viewed!).map(([k, v]) => [k, Number(v)]))).toEqual(current);
  });

  it('from/to and span=today: every hour of the range, empty ones as zeros; the range before may be empty', async () => {
    const res = await get<{ hours: unknown[]; change: Record<string, unknown> }>('/api/sessions/abandonment?from=2019-10-01T10:00:00Z&to=2019-10-01T12:00:00Z');
    const current = figures(6, 5, 3, 2, 45.5);
    expect(res.body).toEqual({
      from: iso(day('10:00:00')),
      to: iso(day('12:00:00')),
      previous_from: iso(day('08:00:00')),
      previous_to: iso(day('10:00:00')),
      current,
      previous: ZERO,
      change: changes(current, ZERO),
      hours: [hour(day('10:00:00'), figures(2, 2, 1, 1, 10)), hour(day('11:00:00'), figures(4, 3, 2, 1, 35.5))],
    });
    expect(Object.values(res.body.change).every((v) => v === null)).toBe(true);

    const today = await get<{ from: string; previous_from: string; previous_to: string; hours: Array<{ hour: string; sessions: number }> }>('/api/sessions/abandonment?span=today');
    expect([today.body.from, today.body.previous_from, today.body.previous_to]).toEqual([iso('2019-10-01 00:00:00'), iso('2019-09-30 00:00:00'), iso('2019-09-30 12:00:00')]);
    expect(today.body.hours.map((h) => h.sessions)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4]);
    expect(today.body.hours[0]!.hour).toBe('2019-10-01T00:00:00Z');
  });

  it('a brand or category: the sessions that carted its products, the value of its products', async () => {
    const acme = await get('/api/sessions/abandonment?brand=acme');
    const acmeNow = figures(2, 2, 1, 1, 30);
    const acmeBefore = figures(2, 2, 1, 1, 10);
    expect(acme.body).toMatchObject({ current: acmeNow, previous: acmeBefore, change: changes(acmeNow, acmeBefore), hours: [hour(day('11:00:00'), acmeNow)] });
    // A category code's prefix takes its subcategories.
    const electronics = await get('/api/sessions/abandonment?category=electronics');
    expect(electronics.body).toMatchObject({ current: figures(3, 3, 2, 1, 15.5), previous: figures(1, 1, 0, 1, 10) });
    const none = await get('/api/sessions/abandonment?brand=nobody');
    expect(none.body).toMatchObject({ current: ZERO, previous: ZERO, hours: [hour(day('11:00:00'), ZERO)] });
  });

  it('an empty range and an empty store', async () => {
    const res = await get('/api/sessions/abandonment?from=2019-09-01T00:00:00Z&to=2019-09-01T02:00:00Z');
    expect(res.body).toEqual({
      from: '2019-09-01T00:00:00.000Z',
      to: '2019-09-01T02:00:00.000Z',
      previous_from: '2019-08-31T22:00:00.000Z',
      previous_to: '2019-09-01T00:00:00.000Z',
      current: ZERO,
      previous: ZERO,
      change: changes(ZERO, ZERO),
      hours: [hour('2019-09-01 00:00:00', ZERO), hour('2019-09-01 01:00:00', ZERO)],
    });
    const nothing = await get('/api/sessions/abandonment', emptyApp);
    expect(nothing).toEqual({
      status: 200,
      body: { from: null, to: null, previous_from: null, previous_to: null, current: ZERO, previous: ZERO, change: changes(ZERO, ZERO), hours: [] },
    });
  });
});

describe('GET /api/sessions/abandoned-products', () => {
  const product = (id: number, carted: number, abandoned: number, value: number) => {
    const p = PRODUCTS.find((x) => x.product_id === id)!;
    return { product_id: String(id), brand: p.brand, category_code: p.category_code, sessions_carted: carted, sessions_abandoned: abandoned, abandoned_value: value };
  };

  it('by value left in carts, labelled, following limit, ranges and filters; never-abandoned products left out', async () => {
    expect(await get('/api/sessions/abandoned-products')).toEqual({ status: 200, body: [product(102, 1, 1, 20), product(101, 2, 1, 10), product(103, 1, 1, 5.5)] });
    expect((await get('/api/sessions/abandoned-products?limit=2')).body).toEqual([product(102, 1, 1, 20), product(101, 2, 1, 10)]);
    expect((await get('/api/sessions/abandoned-products?category=electronics')).body).toEqual([product(101, 2, 1, 10), product(103, 1, 1, 5.5)]);
    expect((await get('/api/sessions/abandoned-products?brand=zeta')).body).toEqual([product(103, 1, 1, 5.5)]);
    // The hour before: 102 only carted and bought.
    expect((await get('/api/sessions/abandoned-products?from=2019-10-01T10:00:00Z&to=2019-10-01T11:00:00Z')).body).toEqual([product(101, 1, 1, 10)]);
    // 12:00:00 is the end of the latest hour, outside it; the whole day takes it.
    // Equal values: more sessions abandoned first.
    expect((await get('/api/sessions/abandoned-products?span=today')).body).toEqual([product(101, 3, 2, 20), product(102, 2, 1, 20), product(103, 1, 1, 5.5)]);
    expect((await get('/api/sessions/abandoned-products?from=2019-10-01T00:00:00Z&to=2019-10-02T00:00:00Z')).body).toEqual([
      product(102, 3, 2, 40),
      product(101, 3, 2, 20),
      product(103, 1, 1, 5.5),
    ]);
    expect((await get('/api/sessions/abandoned-products?from=2019-09-01T00:00:00Z&to=2019-09-02T00:00:00Z')).body).toEqual([]);
    expect((await get('/api/sessions/abandoned-products', emptyApp)).body).toEqual([]);
    // The view over every session: 102 carted in S1, S6 and S7.
    const viewed = await queryRows<{ product_id: string; sessions_carted: string; sessions_abandoned: string; abandoned_value: string }>(
      store,
      `SELECT product_id, sessions_carted, sessions_abandoned, toString(abandoned_value) AS abandoned_value FROM ${store.database}.abandoned_products ORDER BY product_id`,
    );
    expect(viewed.map((r) => [String(r.product_id), Number(r.sessions_carted), Number(r.sessions_abandoned), Number(r.abandoned_value)])).toEqual([
      ['101', 3, 2, 20],
      ['102', 3, 2, 40],
      ['103', 1, 1, 5.5],
    ]);
  });
});

describe('refusals, as the other routes answer them', () => {
  it.each([
    ['/api/sessions/abandonment?span=1y', 'span'],
    ['/api/sessions/abandonment?span=0h', 'span'],
    ['/api/sessions/abandonment?from=2019-10-01T00:00:00Z', 'from and to'],
    ['/api/sessions/abandonment?from=yesterday&to=2019-10-01T00:00:00Z', 'from'],
    ['/api/sessions/abandonment?from=2019-10-02T00:00:00Z&to=2019-10-01T00:00:00Z', 'before'],
    ['/api/sessions/abandonment?from=2018-01-01T00:00:00Z&to=2019-10-01T00:00:00Z', 'spans more than'],
    ['/api/sessions/abandonment?span=1h&from=2019-10-01T00:00:00Z&to=2019-10-02T00:00:00Z', 'only one of windows, from/to or span'],
    ['/api/sessions/abandonment?brand=', 'brand'],
    ['/api/sessions/abandoned-products?limit=0', 'limit'],
    ['/api/sessions/abandoned-products?limit=101', 'limit'],
    ['/api/sessions/abandoned-products?span=7x', 'span'],
  ])('%s is refused with 400 and a reason', async (url, reason) => {
    const res = await get<{ code: string; message: string; retriable: boolean }>(url);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DASH_ERR_BAD_PARAMS');
    expect(res.body.retriable).toBe(false);
    expect(res.body.message).toContain(reason);
  });

  it('needs the bearer token', async () => {
    for (const path of ['/api/sessions/abandonment', '/api/sessions/abandoned-products']) {
      const res = await get<{ code: string }>(path, app, {});
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('DASH_ERR_UNAUTHORIZED');
    }
  });
});
