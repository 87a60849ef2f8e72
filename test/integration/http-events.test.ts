// POST /api/events at the edges of its body rules, against the real broker and registry: a body
// up to the documented 5 MiB is taken whole in one transaction, gzip bodies are decompressed
// within the same limit, and charsets, encodings and bodies that are not UTF-8 CSV are refused
// with their reason, nothing of them stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { logger } from '../../core/logger.ts';
import { createSchemaRegistry } from '../../core/avro.ts';
import type { ShopEvent } from '../../core/event.ts';
import type { Store } from '../../aggregates/store.ts';
import { prepareRuntime } from '../../cli/runtime.ts';
import { buildApp } from '../../dashboard/app.ts';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { isolatedConfig, readTopic } from '../helpers.ts';

const config = isolatedConfig('httpevents');
const t = topics(config.namespace);
let kafka: Kafka;
let store: Store;
let app: FastifyInstance;
/** Events produced so far in this namespace, so that each read waits for all of them. */
let produced = 0;

/** Row `i`: a valid event as short as the rules allow (user i, product i, i cents). */
const row = (i: number) => `2019-10-01T00:00:00Z,view,${i},,,,${(i % 1000) / 100},${i},`;
const csv = (n: number) => `${CSV_HEADER}\n${Array.from({ length: n }, (_, i) => row(i + 1)).join('\n')}\n`;

beforeAll(async () => {
  store = await prepareRuntime(config, logger);
  kafka = createKafka(config, 'http-events-test');
  app = await buildApp({ config, store, logger, ingest: { kafka } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

const post = (payload: Buffer | string, headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/events', headers, payload });

/** Events of every request so far, once `more` were added, by request (source_file). */
async function eventsBySource(more: number): Promise<Map<string, ShopEvent[]>> {
  produced += more;
  const values = (await readTopic(kafka, t.events, produced, 1500)).map((m) => m.value);
  const decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
  await decoder.prepare(values);
  const by = new Map<string, ShopEvent[]>();
  for (const v of values) {
    const e = decoder.decode(v) as ShopEvent;
    const list = by.get(e.source_file);
    if (list) list.push(e);
    else by.set(e.source_file, [e]);
  }
  return by;
}

/** Sum of the high watermarks of the events and rejected topics: unchanged when nothing was sent. */
async function highWatermarks(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let sum = 0;
    for (const topic of [t.events, t.rejected]) for (const p of await admin.fetchTopicOffsets(topic)) sum += Number(p.high);
    return sum;
  } finally {
    await admin.disconnect();
  }
}

describe('POST /api/events: size', () => {
  it('takes a 3.6 MB CSV of 100k short rows (7 MB of records) and a 4.99 MB JSON array whole, each in one transaction', async () => {
    const body = csv(100_000);
    expect(body.length).toBeGreaterThan(3_600_000);
    const res = await post(body, { 'content-type': 'text/csv' });
    expect(res.statusCode, res.body).toBe(200);
    const reply = res.json<{ source_file: string; accepted: number; rejected: number }>();
    expect(reply).toMatchObject({ accepted: 100_000, rejected: 0 });

    const items = Array.from({ length: 18_800 }, (_, i) => ({
      event_time: '2019-10-01 00:00:00 UTC',
      event_type: 'view',
      product_id: i + 1,
      category_id: '2053013555631882655',
      category_code: 'electronics.smartphone',
      brand: 'samsung',
      price: '123.45',
      user_id: 500_000_000 + i,
      user_session: '4adb70bb-edbd-4981-b60f-a05bfd32683a',
    }));
    const json = JSON.stringify(items);
    expect(json.length).toBeGreaterThan(4_900_000);
    expect(json.length).toBeLessThan(5 << 20);
    const jsonRes = await post(json, { 'content-type': 'application/json' });
    expect(jsonRes.statusCode, jsonRes.body).toBe(200);
    const jsonReply = jsonRes.json<{ source_file: string; accepted: number }>();
    expect(jsonReply.accepted).toBe(18_800);

    const by = await eventsBySource(118_800);
    expect(by.get(reply.source_file)!.map((e) => e.source_line).sort((a, b) => a - b)).toEqual(Array.from({ length: 100_000 }, (_, i) => i + 2));
    expect(by.get(jsonReply.source_file)).toHaveLength(18_800);
  });

  it('refuses, storing nothing, a body whose rejected rows would pass 32 MiB of records, naming the bound', async () => {
    const before = await highWatermarks();
    // 5 MiB of one-byte lines: 2.6 M rejections of about 200 bytes each.
    const res = await post(`${CSV_HEADER}\n${'x\n'.repeat(2_600_000)}`, { 'content-type': 'text/csv' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({
      code: 'ING_ERR_BODY',
      message: expect.stringMatching(/^ING_ERR_BODY: .*: the request would produce more than 33554432 bytes of events and rejected rows \(one Kafka transaction\) by its row \d+: split it$/),
    });
    expect(await highWatermarks()).toBe(before);
  });
});

describe('POST /api/events: encodings and charsets', () => {
  it('takes a gzip body, bounds it by 5 MiB decompressed (a gzip bomb is a 413), and refuses a corrupt one and other encodings', async () => {
    const res = await post(gzipSync(csv(500)), { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(res.statusCode, res.body).toBe(200);
    const reply = res.json<{ source_file: string; accepted: number }>();
    expect(reply.accepted).toBe(500);
    expect((await eventsBySource(500)).get(reply.source_file)).toHaveLength(500);

    const before = await highWatermarks();
    const bomb = gzipSync(Buffer.concat([Buffer.from(csv(10)), Buffer.alloc(256 << 20, ' ')]));
    expect(bomb.length).toBeLessThan(1 << 20);
    const bombRes = await post(bomb, { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(bombRes.statusCode).toBe(413);
    expect(bombRes.json().message).toContain('larger than 5242880 bytes');

    const corrupt = await post(Buffer.concat([gzipSync(csv(10)).subarray(0, 30), Buffer.alloc(30, 7)]), { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json()).toMatchObject({ code: 'ING_ERR_BODY', message: expect.stringContaining('the gzip body cannot be decompressed') });

    // The same over a socket, where the body streams in while it is decompressed.
    expect(await highWatermarks()).toBe(before);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const overSocket = (body: Buffer) => fetch(`${base}/api/events`, { method: 'POST', headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' }, body });
    const bombOverSocket = await overSocket(bomb);
    expect(bombOverSocket.status).toBe(413);
    expect(await bombOverSocket.json()).toMatchObject({ code: 'ING_ERR_BODY', message: expect.stringContaining('larger than 5242880 bytes') });
    const gzOverSocket = await overSocket(gzipSync(csv(3)));
    expect(gzOverSocket.status).toBe(200);
    expect(await gzOverSocket.json()).toMatchObject({ accepted: 3, rejected: 0 });
    produced += 3;
    const afterSocket = await highWatermarks();

    for (const encoding of ['br', 'deflate', 'gzip, gzip']) {
      const other = await post(csv(1), { 'content-type': 'text/csv', 'content-encoding': encoding });
      expect(other.statusCode).toBe(415);
      expect(other.json()).toMatchObject({ code: 'ING_ERR_BODY', message: expect.stringContaining(`content encoding "${encoding}" is not taken`) });
    }
    expect(await highWatermarks()).toBe(afterSocket);
  });

  it('refuses a charset other than UTF-8, a body in UTF-16 and an empty one, naming why; takes charset=utf-8 in any spelling', async () => {
    const before = await highWatermarks();
    for (const [type, charset] of [
      ['text/csv; charset=utf-16', 'utf-16'],
      ['text/csv;charset="ISO-8859-1"', 'iso-8859-1'],
      ['application/json; charset=utf-16le', 'utf-16le'],
    ]) {
      const res = await post(Buffer.from(csv(2), 'utf16le'), { 'content-type': type! });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ code: 'ING_ERR_BODY', message: expect.stringContaining(`charset "${charset}" is not taken: send the body in UTF-8`) });
    }
    const utf16 = await post(Buffer.from(csv(2), 'utf16le'), { 'content-type': 'text/csv' });
    expect(utf16.statusCode).toBe(415);
    expect(utf16.json().message).toContain('the CSV body is not UTF-8: UTF-16LE detected (no byte order mark)');
    const json = JSON.stringify([{ event_time: '2019-10-01T00:00:00Z', event_type: 'view', product_id: 1, category_id: null, category_code: '', brand: '', price: 1, user_id: 1, user_session: '' }]);
    for (const [bytes, detected] of [
      [Buffer.from(json, 'utf16le'), 'UTF-16LE detected (no byte order mark)'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, 'utf16le').swap16()]), 'UTF-16BE detected (byte order mark)'],
    ] as const) {
      const res = await post(bytes, { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(415);
      expect(res.json().message).toContain(`the JSON body is not UTF-8: ${detected}; send UTF-8`);
    }
    const empty = await post(Buffer.from([0xef, 0xbb, 0xbf]), { 'content-type': 'text/csv' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('the CSV body is empty: it has no header row');
    expect(await highWatermarks()).toBe(before);

    const sources: string[] = [];
    for (const type of ['text/csv; charset="UTF-8"', 'text/csv; charset=us-ascii']) {
      const res = await post(csv(2), { 'content-type': type });
      expect(res.statusCode, res.body).toBe(200);
      sources.push(res.json<{ source_file: string }>().source_file);
    }
    const by = await eventsBySource(4);
    for (const source of sources) expect(by.get(source)).toHaveLength(2);
  });
});
