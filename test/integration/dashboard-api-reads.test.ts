// The dashboard's read API on a store filled by a real backfill (test/dashboard-api-setup.ts):
// KPIs, top products, series, lifetime value, filters and health, every number checked against
// the independent reducer or plain SQL over the raw `events` view.
import { describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { buildApp } from '../../dashboard/app.ts';
import { iso } from '../dashboard-expected.ts';
import { config, get, store, want } from '../dashboard-api-setup.ts';

async function productsWhere(condition: string, params: Record<string, unknown>): Promise<Set<string>> {
  const rows = await queryRows<{ pid: string }>(
    store,
    `SELECT DISTINCT toString(product_id) AS pid FROM ${store.database}.events WHERE ${condition}`,
    params,
  );
  return new Set(rows.map((r) => r.pid));
}

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
