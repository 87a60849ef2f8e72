// The dashboard's JSON API, live stream and HTTP ingest on a store filled by a real backfill,
// every number checked against the independent reducer (test/reference.ts) or plain SQL over the
// raw `events` view. One config.home for the whole file (one embedded store per process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { logger } from '../../core/logger.ts';
import { createKafka } from '../../core/kafka.ts';
import { backfill } from '../../cli/commands/backfill.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { AggregatorJob } from '../../stream/job.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/queries.ts';
import { buildApp } from '../../dashboard/app.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';
import { reduceCsv } from '../reference.ts';
import { ExpectedDashboard, iso, rawRows } from '../dashboard-expected.ts';
import { json, SseReader } from '../sse.ts';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const config = isolatedConfig('dashapi', { SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN });
const dataDir = tempDir('dashapi-data');

let want: ExpectedDashboard;
let store: Store;
let job: AggregatorJob;
let app: FastifyInstance;

async function get<T>(url: string, headers: Record<string, string> = AUTH): Promise<{ status: number; body: T }> {
  const res = await app.inject({ url, headers });
  return { status: res.statusCode, body: res.json() as T };
}

/** Every registered route as [method, path], read from fastify's route tree (so a new route is in it). */
function registeredRoutes(instance: FastifyInstance): Array<[string, string]> {
  const routes: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of instance.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    const path = stack.join('');
    for (const method of m[3]?.split(', ') ?? []) routes.push([method, path.startsWith('/') ? path : `/${path}`]);
  }
  return routes;
}

async function productsWhere(condition: string, params: Record<string, unknown>): Promise<Set<string>> {
  const rows = await queryRows<{ pid: string }>(
    store,
    `SELECT DISTINCT toString(product_id) AS pid FROM ${store.database}.events WHERE ${condition}`,
    params,
  );
  return new Set(rows.map((r) => r.pid));
}

beforeAll(async () => {
  const files = await generate({ days: 2, rowsPerDay: 6000, out: dataDir, seed: 17 });
  want = new ExpectedDashboard(reduceCsv(files, new Set()), rawRows(files));
  await backfill(config, logger, dataDir);
  store = openStore(config);
  job = new AggregatorJob(config, store, logger);
  await job.start();
  app = await buildApp({ config, store, job, logger, ingest: { kafka: createKafka(config, 'dashapi-http-source') } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await job?.stop();
  await store?.close();
});

describe('read API against the independent reducer', () => {
  it('top products, by default of the latest hour of event time, limit 20, labelled with brand and category; windows=N and span= too', async () => {
    const starts = want.windowStarts();
    const end = starts.at(-1)! + 60_000;
    const latest = (n: number) => new Set(starts.slice(-n));
    const def = await get<Array<{ brand: string; purchases: number }>>('/api/top-products');
    expect(def.status).toBe(200);
    expect(def.body).toEqual(want.top((ws) => ws >= end - 3_600_000 && ws < end, 20));
    expect(def.body).toHaveLength(20);
    expect(def.body.filter((p) => p.purchases > 0).length).toBeGreaterThan(5);
    // Every product of the generator has a brand on some of its lines (40% of lines have none).
    expect(def.body.every((p) => p.brand !== '')).toBe(true);
    const wide = await get<unknown[]>('/api/top-products?windows=30&limit=100');
    expect(wide.body).toEqual(want.top((ws) => latest(30).has(ws), 100));
    expect(wide.body.length).toBeGreaterThan(20);
    const sixHours = await get<unknown[]>('/api/top-products?span=6h&limit=50');
    expect(sixHours.body).toEqual(want.top((ws) => ws >= end - 6 * 3_600_000 && ws < end, 50));
    const today = await get<unknown[]>('/api/top-products?span=today&limit=50');
    expect(today.body).toEqual(want.top((ws) => ws >= Date.UTC(2019, 9, 2) && ws < end, 50));
    // Some generated products carry a category code: the labels show it.
    const all = await get<Array<{ category_code: string }>>('/api/top-products?from=2019-10-01T00:00:00Z&to=2019-10-03T00:00:00Z&limit=100');
    expect(all.body.some((p) => p.category_code !== '')).toBe(true);
  });

  it('KPIs of a range against the range before it: by default the latest hour, span=today against the same hours of the day before, from/to, a brand', async () => {
    const end = want.windowStarts().at(-1)! + 60_000;
    const HOUR = 3_600_000;
    const change = (c: number, p: number) => (p === 0 ? null : (c - p) / p);
    const expected = (from: number, to: number, pf: number, pt: number, products?: Set<string>) => {
      const current = want.kpis(from, to, products);
      const previous = want.kpis(pf, pt, products);
      return {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        previous_from: new Date(pf).toISOString(),
        previous_to: new Date(pt).toISOString(),
        current,
        previous,
        change: {
          revenue: change(current.revenue, previous.revenue),
          orders: change(current.orders, previous.orders),
          buyers: change(current.buyers, previous.buyers),
          avg_order_value: change(current.avg_order_value, previous.avg_order_value),
          conversion: change(current.conversion, previous.conversion),
        },
      };
    };
    type Kpis = { current: { orders: number; buyers: number; revenue: number }; change: { revenue: number | null } };
    const def = await get<Kpis>('/api/kpis');
    expect(def.status).toBe(200);
    expect(def.body).toEqual(expected(end - HOUR, end, end - 2 * HOUR, end - HOUR));
    expect(def.body.current.orders).toBeGreaterThan(0);
    expect(def.body.change.revenue).not.toBeNull();

    const today = await get<Kpis>('/api/kpis?span=today');
    const midnight = Date.UTC(2019, 9, 2);
    expect(today.body).toEqual(expected(midnight, end, midnight - 86_400_000, end - 86_400_000));
    // Orders count sessions: more purchases than orders, more orders than buyers.
    expect(today.body.current.orders).toBeGreaterThan(today.body.current.buyers);

    const from = Date.UTC(2019, 9, 1, 18);
    const ranged = await get<Kpis>(`/api/kpis?from=${iso(from)}&to=${iso(from + 3 * HOUR)}`);
    expect(ranged.body).toEqual(expected(from, from + 3 * HOUR, from - 3 * HOUR, from));

    const [topBrand] = await queryRows<{ brand: string }>(
      store,
      `SELECT brand FROM ${store.database}.events WHERE brand != '' GROUP BY brand ORDER BY count() DESC, brand LIMIT 1`,
    );
    const ofBrand = await productsWhere('brand = {b:String}', { b: topBrand!.brand });
    const branded = await get<Kpis>(`/api/kpis?span=6h&brand=${encodeURIComponent(topBrand!.brand)}`);
    expect(branded.body).toEqual(expected(end - 6 * HOUR, end, end - 12 * HOUR, end - 6 * HOUR, ofBrand));
    expect(branded.body.current.revenue).toBeLessThan(want.kpis(end - 6 * HOUR, end).revenue);

    // Before any data: zeros and no change.
    const early = await get<Kpis>('/api/kpis?from=2019-09-01T00:00:00Z&to=2019-09-02T00:00:00Z');
    expect(early.body).toEqual(expected(Date.UTC(2019, 8, 1), Date.UTC(2019, 8, 2), Date.UTC(2019, 7, 31), Date.UTC(2019, 8, 1)));
    expect(early.body.change.revenue).toBeNull();
  });

  it('revenue series: minute buckets up to 6 hours, hour buckets beyond, as asked; product labels for ids', async () => {
    const end = want.windowStarts().at(-1)! + 60_000;
    const HOUR = 3_600_000;
    const def = await get<{ bucket: string; points: unknown[] }>('/api/revenue-series');
    expect(def.body).toEqual({ bucket: 'minute', from: new Date(end - HOUR).toISOString(), to: new Date(end).toISOString(), points: want.revenueSeries(end - HOUR, end, 60_000) });
    expect(def.body.points).toHaveLength(60);
    const day = await get<{ bucket: string; points: unknown[] }>('/api/revenue-series?span=24h');
    expect(day.body.bucket).toBe('hour');
    expect(day.body.points).toEqual(want.revenueSeries(end - 24 * HOUR, end, HOUR));
    expect(day.body.points).toHaveLength(24);
    const from = Date.UTC(2019, 9, 1, 6);
    const minutes = await get<{ bucket: string; points: unknown[] }>(`/api/revenue-series?from=${iso(from)}&to=${iso(from + 8 * HOUR)}&bucket=minute`);
    expect(minutes.body.points).toEqual(want.revenueSeries(from, from + 8 * HOUR, 60_000));
    const [topBrand] = await queryRows<{ brand: string }>(store, `SELECT brand FROM ${store.database}.events WHERE brand != '' GROUP BY brand ORDER BY count() DESC, brand LIMIT 1`);
    const ofBrand = await productsWhere('brand = {b:String}', { b: topBrand!.brand });
    const branded = await get<{ points: unknown[] }>(`/api/revenue-series?span=today&brand=${encodeURIComponent(topBrand!.brand)}`);
    expect(branded.body.points).toEqual(want.revenueSeries(Date.UTC(2019, 9, 2), end, HOUR, ofBrand));

    const ids = want.top(() => true, 30).map((p) => p.product_id);
    const labels = await get<Array<{ product_id: string; brand: string; category_code: string }>>(`/api/product-labels?ids=${ids.join(',')},1`);
    expect(new Map(labels.body.map((l) => [l.product_id, { brand: l.brand, category_code: l.category_code }]))).toEqual(new Map(ids.map((id) => [id, want.label(id)])));
  });

  it('top products of a time range; brand and category filters on top products, revenue per minute and the funnel', async () => {
    const from = Date.UTC(2019, 9, 1, 10);
    const to = Date.UTC(2019, 9, 1, 12, 30);
    const ranged = await get<unknown[]>(`/api/top-products?from=${iso(from)}&to=${iso(to)}&limit=50`);
    expect(ranged.body).toEqual(want.top((ws) => ws >= from && ws < to, 50));

    const all = `from=2019-10-01T00:00:00Z&to=2019-10-03T00:00:00Z&limit=100`;
    const everything = () => true;
    const [topBrand] = await queryRows<{ brand: string }>(
      store,
      `SELECT brand FROM ${store.database}.events WHERE brand != '' GROUP BY brand ORDER BY count() DESC, brand LIMIT 1`,
    );
    const brand = topBrand!.brand;
    const byBrand = await get<unknown[]>(`/api/top-products?${all}&brand=${encodeURIComponent(brand)}`);
    expect(byBrand.body).toEqual(want.top(everything, 100, await productsWhere('brand = {b:String}', { b: brand })));
    expect(byBrand.body.length).toBeGreaterThan(0);

    const [code] = await queryRows<{ c: string }>(
      store,
      `SELECT category_code AS c FROM ${store.database}.events WHERE category_code LIKE '%.%' GROUP BY c ORDER BY c LIMIT 1`,
    );
    const top = code!.c.split('.')[0]!;
    const byCategory = await get<unknown[]>(`/api/top-products?${all}&category=${top}`);
    const inCategory = await productsWhere(`category_code = {c:String} OR category_code LIKE {like:String}`, { c: top, like: `${top}.%` });
    expect(byCategory.body).toEqual(want.top(everything, 100, inCategory));
    expect(byCategory.body.length).toBeGreaterThan(0);

    const [cat] = await queryRows<{ id: string }>(store, `SELECT toString(any(category_id)) AS id FROM ${store.database}.events`);
    const byCategoryId = await get<unknown[]>(`/api/top-products?${all}&category=${cat!.id}`);
    expect(byCategoryId.body).toEqual(want.top(everything, 100, await productsWhere('category_id = {c:UInt64}', { c: cat!.id })));

    // The same filters narrow revenue per minute and the funnel.
    const ofBrand = await productsWhere('brand = {b:String}', { b: brand });
    const evening = Date.UTC(2019, 9, 1, 18);
    const span = `from=${iso(evening)}&to=${iso(evening + 90 * 60_000)}`;
    const rpm = await get<Array<{ revenue: number }>>(`/api/revenue-per-minute?${span}&brand=${encodeURIComponent(brand)}`);
    expect(rpm.body).toEqual(want.perMinute(evening, evening + 90 * 60_000, ofBrand));
    const unfiltered = await get<Array<{ revenue: number }>>(`/api/revenue-per-minute?${span}`);
    expect(rpm.body.reduce((n, m) => n + m.revenue, 0)).toBeLessThan(unfiltered.body.reduce((n, m) => n + m.revenue, 0));
    const funnelOfCategory = await get(`/api/funnel?category=${top}`);
    expect(funnelOfCategory.body).toEqual(want.funnel(everything, inCategory));
    expect(funnelOfCategory.body).not.toEqual(want.funnel(everything));
  });

  it("a product's series, revenue per minute (default: the last hour of event time) and the funnel", async () => {
    const product = want.busiestProduct();
    const day1 = await get<unknown[]>(`/api/products/${product}/series?from=2019-10-01T00:00:00Z&to=2019-10-02T00:00:00Z`);
    expect(day1.body).toEqual(want.series(product, Date.UTC(2019, 9, 1), Date.UTC(2019, 9, 2)));
    expect(day1.body.length).toBeGreaterThan(3);

    const end = want.windowStarts().at(-1)! + 60_000;
    const lastHour = await get<unknown[]>(`/api/products/${product}/series`);
    expect(lastHour.body).toEqual(want.series(product, end - 3_600_000, end));

    const rpm = await get<unknown[]>('/api/revenue-per-minute');
    expect(rpm.body).toEqual(want.perMinute(end - 3_600_000, end));
    expect(rpm.body).toHaveLength(60);
    const from = Date.UTC(2019, 9, 1, 18);
    const rpmRange = await get<unknown[]>(`/api/revenue-per-minute?from=${iso(from)}&to=${iso(from + 90 * 60_000)}`);
    expect(rpmRange.body).toEqual(want.perMinute(from, from + 90 * 60_000));

    expect((await get('/api/funnel')).body).toEqual(want.funnel(() => true));
    const latest5 = new Set(want.windowStarts().slice(-5));
    expect((await get('/api/funnel?windows=5')).body).toEqual(want.funnel((ws) => latest5.has(ws)));
    expect((await get('/api/funnel?span=1h')).body).toEqual(want.funnel((ws) => ws >= end - 3_600_000 && ws < end));
    expect((await get(`/api/products/${product}/series?span=6h`)).body).toEqual(want.series(product, end - 6 * 3_600_000, end));
  });

  it('the lifetime-value leaderboard and distribution', async () => {
    expect((await get('/api/clv/leaderboard')).body).toEqual(want.leaderboard(20));
    expect((await get('/api/clv/leaderboard?limit=3')).body).toEqual(want.leaderboard(3));
    const dist = await get<Array<{ users: number }>>('/api/clv/distribution');
    expect(dist.body).toEqual(want.distribution(10));
    expect(dist.body.reduce((n, b) => n + b.users, 0)).toBeGreaterThan(0);
    expect((await get('/api/clv/distribution?buckets=25')).body).toEqual(want.distribution(25));
  });

  it('filters list the brands and categories of the archive; health has the job metrics and store counts', async () => {
    const brands = await queryRows<{ b: string }>(
      store,
      `SELECT brand AS b, count() AS n FROM ${store.database}.events WHERE brand != '' GROUP BY b ORDER BY n DESC, b`,
    );
    const filters = await get<{ brands: string[]; categories: string[] }>('/api/filters?limit=500');
    expect(filters.body.brands).toEqual(brands.map((r) => r.b));

    const health = await get<Record<string, unknown>>('/api/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ store: { late: 0, rejected: 0 }, lateTotal: expect.any(Number), consumerLag: expect.any(Object) });
    // Event time of 2019: after the backfill every window is final; the newest event of the files;
    // no wall-clock delay (it would only say how old the data is).
    expect(health.body.eventTime).toEqual({ reached: want.windowStarts().at(-1)! + 60_000, newest: want.newestEvent(), lagMs: 0, wallClockDelayMs: null });
    expect(health.body.latencyMs).toMatchObject({ samples: expect.any(Number) });

    const bare = await buildApp({ config: { ...config, dashboard: { ...config.dashboard, token: undefined } }, store, logger });
    try {
      const res = await bare.inject({ url: '/api/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'DASH_ERR_NO_JOB', retriable: true });
      expect((await bare.inject({ url: '/api/funnel' })).statusCode).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('parameters and auth', () => {
  it.each([
    ['/api/top-products?windows=0', 'windows'],
    ['/api/top-products?windows=1441', 'windows'],
    ['/api/top-products?windows=abc', 'windows'],
    ['/api/top-products?limit=101', 'limit'],
    ['/api/top-products?from=2019-10-01T00:00:00Z', 'from and to'],
    ['/api/top-products?from=yesterday&to=2019-10-01T00:00:00Z', 'from'],
    ['/api/top-products?windows=5&from=2019-10-01T00:00:00Z&to=2019-10-02T00:00:00Z', 'only one of windows, from/to or span'],
    ['/api/top-products?windows=5&span=1h', 'only one of windows, from/to or span'],
    ['/api/kpis?span=1h&from=2019-10-01T00:00:00Z&to=2019-10-02T00:00:00Z', 'only one of windows, from/to or span'],
    ['/api/kpis?span=1y', 'span'],
    ['/api/kpis?span=0h', 'span'],
    ['/api/kpis?from=2019-10-02T00:00:00Z&to=2019-10-01T00:00:00Z', 'before'],
    ['/api/revenue-series?span=30d&bucket=minute', 'minute buckets'],
    ['/api/product-labels', 'ids'],
    ['/api/product-labels?ids=1,x', 'ids'],
    ['/api/revenue-per-minute?from=2019-10-02T00:00:00Z&to=2019-10-01T00:00:00Z', 'before'],
    ['/api/revenue-per-minute?from=2019-01-01T00:00:00Z&to=2019-10-01T00:00:00Z', 'spans more than'],
    ['/api/products/12ab/series', 'productId'],
    ['/api/clv/leaderboard?limit=0', 'limit'],
    ['/api/clv/distribution?buckets=1000', 'buckets'],
  ])('%s is refused with 400 and a reason', async (url, reason) => {
    const res = await get<{ code: string; message: string; retriable: boolean }>(url);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DASH_ERR_BAD_PARAMS');
    expect(res.body.retriable).toBe(false);
    expect(res.body.message).toContain(reason);
  });

  it('needs the bearer token on /api/*; the page loads without it', async () => {
    const none = await get<{ code: string }>('/api/top-products', {});
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('DASH_ERR_UNAUTHORIZED');
    expect((await get('/api/clv/leaderboard', { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await get('/api/top-products?token=' + TOKEN, {})).status).toBe(401);
    expect((await get('/api/top-products')).status).toBe(200);
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<canvas id="top-chart"');
    const chart = await app.inject({ url: '/vendor/chart.umd.js' });
    expect(chart.statusCode).toBe(200);
    expect(chart.body).toContain('Chart.js');
  });
});

describe('the token guards every route that serves data', () => {
  /** Outside /api only /metrics (guarded too) and the page and its files (@fastify/static's wildcard): a data route added there must be guarded first. */
  const PAGE_FILES = new Set(['/', '/*', '/vendor/chart.umd.js']);

  it('every registered /api route and /metrics answer 401 without the token or with a wrong one, whatever the method', async () => {
    const routes = registeredRoutes(app);
    const paths = routes.map(([method, path]) => `${method} ${path}`);
    expect(paths).toEqual(
      expect.arrayContaining(['GET /api/stream', 'POST /api/events', 'GET /api/top-products', 'GET /api/products/:productId/series', 'GET /api/health', 'HEAD /api/funnel', 'GET /api/kpis', 'GET /api/revenue-series', 'GET /api/product-labels', 'GET /metrics']),
    );
    const api = routes.filter(([, path]) => path === '/api' || path.startsWith('/api/') || path === '/metrics');
    expect(api.length).toBeGreaterThanOrEqual(25); // 12 GET routes, their HEAD twins, POST /api/events
    for (const [method, path] of routes) {
      if (!api.some(([m, p]) => m === method && p === path)) {
        expect(PAGE_FILES.has(path), `${method} ${path} is neither under /api nor /metrics (guarded) nor one of the page's files`).toBe(true);
        continue;
      }
      const url = path.replace(/:[A-Za-z]+/g, '1');
      const body = method === 'POST' ? { payload: '[]' } : {};
      const headerSets: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: TOKEN }];
      for (const headers of headerSets) {
        const res = await app.inject({ method: method as 'GET', url, headers: { ...headers, 'content-type': 'application/json' }, ...body });
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(headers)}`).toBe(401);
        if (method !== 'HEAD') expect(res.json(), `${method} ${url}`).toMatchObject({ code: 'DASH_ERR_UNAUTHORIZED' });
      }
      // The query token is for the event stream only (and not tried there: a granted stream stays open).
      if (path !== '/api/stream') {
        const res = await app.inject({ method: method as 'GET', url: `${url}?token=${TOKEN}`, headers: { 'content-type': 'application/json' }, ...body });
        expect(res.statusCode, `${method} ${url}?token=`).toBe(401);
      }
    }
    // Other spellings of an API path either are guarded or match nothing.
    for (const url of ['/api', '/%61pi/top-products', '/api/%74op-products', '/api//top-products', '/api/top-products/', '/API/top-products', '/api/./top-products', '/x/../api/top-products']) {
      expect([401, 404], url).toContain((await app.inject({ url })).statusCode);
    }
  });
});

describe('the query token is never logged', () => {
  it('a stream opened with ?token= and refused requests leave no log line holding a token, at trace level', async () => {
    const WRONG = 'wrong-token-9876543210fedcba';
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logged = await buildApp({ config, store, logger: pino({ level: 'trace' }, sink) });
    // Any later code that logs the request's URL cannot name the token either.
    logged.addHook('onResponse', async (req) => req.log.info({ url: req.url, originalUrl: req.originalUrl }, 'the URL as handlers see it'));
    const base = await logged.listen({ host: '127.0.0.1', port: 0 });
    try {
      const stream = await SseReader.open(`${base}/api/stream?token=${TOKEN}&x=1`);
      expect(stream.status).toBe(200);
      await stream.waitFor((e) => e.event === 'init');
      stream.close();
      for (const url of [`/api/stream?token=${WRONG}`, `/api/stream?x=1&token=${TOKEN}&token=${WRONG}`, `/api/top-products?token=${TOKEN}`, `/api/nowhere?token=${TOKEN}`, `/nowhere?token=${WRONG}`]) {
        const res = await fetch(`${base}${url}`);
        await res.body?.cancel();
        expect([401, 404], url).toContain(res.status);
      }
      const viaHeader = await fetch(`${base}/api/funnel?token=${WRONG}`, { headers: AUTH });
      expect(viaHeader.status).toBe(200);
      await viaHeader.body?.cancel();
    } finally {
      await logged.close();
    }
    expect(lines.filter((l) => l.includes('the URL as handlers see it')).length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((l) => l.includes('/api/stream')).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes(TOKEN) || l.includes(WRONG))).toEqual([]);
  });
});

const JSON_BODY = `[
  {"event_time":"2019-10-03 00:00:05 UTC","event_type":"purchase","product_id":9000001,"category_id":1602943681873052386,"category_code":null,"brand":"httpbrand","price":12.5,"user_id":500000001,"user_session":"s-http-1"},
  {"event_time":"2019-10-03T00:00:07Z","event_type":"view","product_id":"9000001","category_id":"2053013555631882655","category_code":"a.b","brand":"","price":"12.50","user_id":"500000002","user_session":""},
  {"event_time":"2019-10-03 00:00:09 UTC","event_type":"purchase","product_id":9000002,"category_id":0,"category_code":"","brand":"httpbrand","price":3,"user_id":500000001,"user_session":"s-http-1"},
  {"event_time":"2019-10-03 00:00:10 UTC","event_type":"purchase","product_id":9000001,"category_id":1,"category_code":"","brand":"","price":-1,"user_id":1,"user_session":""},
  {"event_time":"2019-10-03 00:00:10 UTC","event_type":"purchase","product_id":9000001,"category_id":1,"category_code":"","brand":"","price":1},
  "not an object"
]`;
const CSV_BODY = [
  'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session',
  '2019-10-03 00:00:20 UTC,purchase,9000003,1602943681873052386,,httpbrand,7.25,500000003,s-http-3',
  '2019-10-03 00:00:21 UTC,wishlist,9000003,1,,,1.00,500000003,s',
  // A quoted field across two physical lines (LF inside: with CRLF inside quotes csv-parse
  // counts one line too many, in the connector as well).
  '2019-10-03 00:00:22 UTC,cart,9000003,1,"multi\nline",,1.00,500000003,s-http-3',
  '2019-10-03 00:00:23 UTC,view,9000003,1,,,abc,500000003,s',
].join('\r\n');

describe('HTTP ingest and the live stream', () => {
  it('refuses bodies that are not events with 400/415', async () => {
    const post = (payload: string, type: string) => app.inject({ method: 'POST', url: '/api/events', headers: { ...AUTH, 'content-type': type }, payload });
    for (const [payload, reason] of [['{"a":1}', 'JSON array'], ['[{', 'unparsable JSON'], ['', 'unparsable JSON']]) {
      const res = await post(payload!, 'application/json');
      expect(res.statusCode, payload).toBe(400);
      expect(res.json()).toMatchObject({ code: 'ING_ERR_BODY', retriable: false });
      expect(res.json().message).toContain(reason);
    }
    const missing = await post('event_time,event_type\n2019-10-03 00:00:00 UTC,view\n', 'text/csv');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toContain('lacks product_id, category_id');
    // Deeply nested JSON: refused before parsing, not a stack overflow (500).
    for (const payload of ['['.repeat(100_000) + ']'.repeat(100_000), `[{"event_time":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`]) {
      const deep = await post(payload, 'application/json');
      expect(deep.statusCode).toBe(400);
      expect(deep.json()).toMatchObject({ statusCode: 400, code: 'ING_ERR_BODY', error: 'Bad Request', retriable: false });
      expect(deep.json().message).toContain('nested deeper than');
    }
    // fastify's own refusals answer the documented code in the same error body.
    for (const [payload, type] of [['a=b', 'application/x-www-form-urlencoded'], ['hello', 'text/plain']]) {
      const res = await post(payload!, type!);
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual({ statusCode: 415, code: 'ING_ERR_BODY', error: 'Unsupported Media Type', message: expect.stringContaining('send application/json or text/csv'), retriable: false });
    }
    const tooLarge = await post('x'.repeat((5 << 20) + 1), 'text/csv');
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toEqual({ statusCode: 413, code: 'ING_ERR_BODY', error: 'Payload Too Large', message: expect.stringContaining('larger than 5242880 bytes'), retriable: false });
    expect((await app.inject({ method: 'POST', url: '/api/events', headers: { 'content-type': 'text/csv' }, payload: CSV_BODY })).statusCode).toBe(401);

    // More than one transaction may carry (one record batch per partition): 413, nothing sent.
    const small = await buildApp({
      config,
      store,
      logger,
      ingest: { kafka: createKafka(config, 'dashapi-small'), transactionalId: `${config.namespace}.http-source-small`, maxTransactionBytes: 200 },
    });
    try {
      const res = await small.inject({ method: 'POST', url: '/api/events', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: CSV_BODY });
      expect(res.statusCode).toBe(413);
      expect(res.json().message).toContain('split it');
    } finally {
      await small.close();
    }
  });

  it('judges the body by its bytes: a latin-1 CSV row and an over-long JSON item are rejected rows, a JSON body that is not UTF-8 is refused', async () => {
    // Views a month before the data: late, so no window of the other tests changes.
    const post = (payload: string | Buffer, type: string) => app.inject({ method: 'POST', url: '/api/events', headers: { ...AUTH, 'content-type': type }, payload });
    const header = 'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session';
    const csv = Buffer.concat([
      Buffer.from(`${header}\n`),
      Buffer.from('2019-09-03 00:01:00 UTC,view,9000009,1,,caf', 'latin1'),
      Buffer.from([0xe9]),
      Buffer.from(',1.00,500000009,s\n2019-09-03 00:01:01 UTC,view,9000009,1,,plain,1.00,500000009,s\n'),
    ]);
    const csvReply = await post(csv, 'text/csv');
    expect(csvReply.statusCode).toBe(200);
    expect(csvReply.json()).toMatchObject({ accepted: 1, rejected: 1, rejections: [{ line: 2, reason: expect.stringContaining('not valid UTF-8 (byte 0xE9') }] });

    const item = (brand: string) => ({ event_time: '2019-09-03 00:01:02 UTC', event_type: 'view', product_id: 9000009, category_id: 1, category_code: '', brand, price: '1.00', user_id: 500000009, user_session: 's' });
    const jsonReply = await post(JSON.stringify([item('x'.repeat(config.ingest.maxRowBytes)), item('ok')]), 'application/json');
    expect(jsonReply.statusCode).toBe(200);
    expect(jsonReply.json()).toMatchObject({ accepted: 1, rejected: 1, rejections: [{ line: 1, reason: expect.stringContaining('longer than the limit of 65536') }] });

    const latin1Json = await post(Buffer.from(JSON.stringify([item('caf\u00e9')]), 'latin1'), 'application/json');
    expect(latin1Json.statusCode).toBe(400);
    expect(latin1Json.json()).toMatchObject({ code: 'ING_ERR_BODY', message: expect.stringContaining('not valid UTF-8') });
  });

  it('takes JSON and CSV, answers the counts, and the events reach the store and the SSE clients', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    expect((await SseReader.open(`${base}/api/stream`)).status).toBe(401);
    const a = await SseReader.open(`${base}/api/stream?token=${TOKEN}`);
    const b = await SseReader.open(`${base}/api/stream`, AUTH);
    try {
      expect(a.status).toBe(200);
      const init = await a.waitFor((e) => e.event === 'init');
      const initBody = json<{ top: unknown[]; rows: Array<{ window_start: string }>; live: boolean }>(init);
      expect(initBody.top).toEqual((await get('/api/top-products')).body);
      expect(initBody.live).toBe(true);
      expect(new Set(initBody.rows.map((r) => r.window_start)).size).toBe(60);
      await b.waitFor((e) => e.event === 'init');

      // A reconnect with Last-Event-ID resumes from a fresh snapshot, with higher ids.
      const again = await SseReader.open(`${base}/api/stream`, { ...AUTH, 'last-event-id': init.id! });
      const resumed = await again.waitFor((e) => e.event === 'init');
      again.close();
      expect(json<{ resumed_from: string }>(resumed).resumed_from).toBe(init.id);
      expect(Number(resumed.id)).toBeGreaterThan(Number(init.id));

      const health = await a.waitFor((e) => e.event === 'health', 10_000);
      expect(json<{ pipeline: unknown }>(health).pipeline).toMatchObject({ eventsTotal: expect.any(Number) });

      const postJson = await app.inject({ method: 'POST', url: '/api/events', headers: { ...AUTH, 'content-type': 'application/json; charset=utf-8' }, payload: JSON_BODY });
      expect(postJson.statusCode).toBe(200);
      const jsonReply = postJson.json<{ source_file: string; accepted: number; rejected: number; rejections: Array<{ line: number; reason: string }> }>();
      expect(jsonReply).toMatchObject({ accepted: 3, rejected: 3 });
      expect(jsonReply.source_file).toMatch(/^http:[0-9a-f-]{36}$/);
      expect(jsonReply.rejections.map((r) => r.line)).toEqual([4, 5, 6]);
      expect(jsonReply.rejections[0]!.reason).toContain('negative price');
      expect(jsonReply.rejections[1]!.reason).toBe('missing fields user_id, user_session');
      expect(jsonReply.rejections[2]!.reason).toContain('not a JSON object');

      const postCsv = await app.inject({ method: 'POST', url: '/api/events', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: CSV_BODY });
      expect(postCsv.statusCode).toBe(200);
      const csvReply = postCsv.json<{ source_file: string; accepted: number; rejected: number; rejections: Array<{ line: number; reason: string }> }>();
      expect(csvReply).toMatchObject({ accepted: 2, rejected: 2 });
      expect(csvReply.rejections.map((r) => r.line)).toEqual([3, 6]);
      expect(csvReply.source_file).not.toBe(jsonReply.source_file);

      // Both clients get the purchase as a pushed sales row (rows are per partition: the view
      // of the same product by another user may come as a row of its own).
      type Pushed = { rows: Array<{ product_id: string; revenue: number; purchases: number; window_start: string; partition: number }> };
      const purchaseRow = (e: { event: string; data: string }) =>
        e.event === 'sales' ? json<Pushed>(e as Parameters<typeof json>[0]).rows.find((r) => r.product_id === '9000001' && r.purchases > 0) : undefined;
      for (const client of [a, b]) {
        const pushed = await client.waitFor((e) => purchaseRow(e) !== undefined, 30_000);
        expect(purchaseRow(pushed)).toMatchObject({ revenue: 12.5, purchases: 1, window_start: '2019-10-03T00:00:00Z' });
      }
      const ids = a.events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));

      const db = store.database;
      const events = await until('the posted events in the store', async () => {
        const rows = await queryRows<{ file: string; line: string; category: string; price: string }>(
          store,
          `SELECT source_file AS file, source_line AS line, toString(category_id) AS category, toString(price) AS price
           FROM ${db}.events WHERE source_file IN ({files:Array(String)}) ORDER BY file, line`,
          { files: [jsonReply.source_file, csvReply.source_file] },
        );
        return rows.length >= 5 ? rows : undefined;
      });
      const lines = (file: string) => events.filter((e) => e.file === file).map((e) => Number(e.line));
      expect(lines(jsonReply.source_file)).toEqual([1, 2, 3]);
      expect(lines(csvReply.source_file)).toEqual([2, 5]);
      expect(events.find((e) => e.file === jsonReply.source_file && e.line === '1')?.category).toBe('1602943681873052386');

      const rejected = await until('the rejections in the store', async () => {
        const rows = await queryRows<{ line: string; reason: string }>(
          store,
          `SELECT source_line AS line, reason FROM ${db}.rejected_events WHERE source_file IN ({files:Array(String)}) ORDER BY source_file, line`,
          { files: [jsonReply.source_file, csvReply.source_file] },
        );
        return rows.length >= 5 ? rows : undefined;
      });
      expect(rejected).toHaveLength(5);

      const top = await until('the new window in top products', async () => {
        const res = await get<Array<{ product_id: string; revenue: number; purchases: number; views: number; carts: number }>>('/api/top-products?windows=1');
        return res.body.length === 3 && res.body[0]!.product_id === '9000001' && res.body.every((p) => p.purchases > 0) ? res.body : undefined;
      });
      expect(top).toEqual([
        { product_id: '9000001', brand: 'httpbrand', category_code: 'a.b', revenue: 12.5, purchases: 1, views: 1, carts: 0, removals: 0 },
        { product_id: '9000003', brand: 'httpbrand', category_code: 'multi\nline', revenue: 7.25, purchases: 1, views: 0, carts: 1, removals: 0 },
        { product_id: '9000002', brand: 'httpbrand', category_code: '', revenue: 3, purchases: 1, views: 0, carts: 0, removals: 0 },
      ]);
      const customer = await until('the HTTP customer in lifetime value', async () => {
        const [row] = await queryRows<{ revenue: string; purchases: string; orders: string }>(
          store,
          `SELECT toString(revenue) AS revenue, purchases, orders FROM ${db}.customer_lifetime_value WHERE user_id = 500000001`,
        );
        return row;
      });
      expect(customer).toEqual({ revenue: '15.5', purchases: '2', orders: '1' });
      const [counts] = await queryRows<{ n: string }>(store, `SELECT count() AS n FROM ${db}.rejected_events`);
      const after = await get<{ store: { rejected: number } }>('/api/health');
      expect(after.body.store.rejected).toBe(Number(counts!.n));
    } finally {
      a.close();
      b.close();
    }
  });
});
