// The dashboard API's refusals: bad parameters, the bearer token on every route that serves data,
// and no token in any log line; on the app of test/dashboard-api-setup.ts.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../dashboard/app.ts';
import { SseReader } from '../sse.ts';
import { app, AUTH, config, get, store, TOKEN } from '../dashboard-api-setup.ts';

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
