// HTTP ingest and the live stream of the dashboard (test/dashboard-api-setup.ts): bodies refused
// or judged by their bytes, and posted events reaching the store and the SSE clients.
import { describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { createKafka } from '../../core/kafka.ts';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { buildApp } from '../../dashboard/app.ts';
import { until } from '../helpers.ts';
import { json, SseReader } from '../sse.ts';
import { app, AUTH, config, get, store, TOKEN } from '../dashboard-api-setup.ts';

const JSON_BODY = `[
  {"event_time":"2019-10-03 00:00:05 UTC","event_type":"purchase","product_id":9000001,"category_id":1602943681873052386,"category_code":null,"brand":"httpbrand","price":12.5,"user_id":500000001,"user_session":"s-http-1"},
  {"event_time":"2019-10-03T00:00:07Z","event_type":"view","product_id":"9000001","category_id":"2053013555631882655","category_code":"a.b","brand":"","price":"12.50","user_id":"500000002","user_session":""},
  {"event_time":"2019-10-03 00:00:09 UTC","event_type":"purchase","product_id":9000002,"category_id":0,"category_code":"","brand":"httpbrand","price":3,"user_id":500000001,"user_session":"s-http-1"},
  {"event_time":"2019-10-03 00:00:10 UTC","event_type":"purchase","product_id":9000001,"category_id":1,"category_code":"","brand":"","price":-1,"user_id":1,"user_session":""},
  {"event_time":"2019-10-03 00:00:10 UTC","event_type":"purchase","product_id":9000001,"category_id":1,"category_code":"","brand":"","price":1},
  "not an object"
]`;
const CSV_BODY = [
  CSV_HEADER,
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
    const csv = Buffer.concat([
      Buffer.from(`${CSV_HEADER}\n`),
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
