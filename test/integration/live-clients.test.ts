// Live page clients that come and go in a crowd cost the store one start-up snapshot at a time,
// not one each: 300 clients of GET /api/stream that connect and drop at once, then one that
// stays and gets its init. Counted on the dashboard's own client of the real embedded store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { migrate } from '../../aggregates/migrate.ts';
import { buildApp } from '../../dashboard/app.ts';
import { logger } from '../../core/logger.ts';
import { isolatedConfig } from '../helpers.ts';
import { SseReader } from '../sse.ts';
import { seedEvents } from '../store-seed.ts';

const config = isolatedConfig('live_clients');
let store: Store;
let app: FastifyInstance;
let panelQueries = 0;

beforeAll(async () => {
  store = openStore(config);
  await migrate(store);
  await seedEvents(store, 5_000);
  const query = store.panelClient.query.bind(store.panelClient);
  store.panelClient.query = ((params: Parameters<typeof query>[0]) => {
    panelQueries += 1;
    return query(params);
  }) as typeof store.panelClient.query;
  app = await buildApp({ config, store, logger });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('the live stream under a crowd', () => {
  it('reads one start-up snapshot at a time for clients that connect together, and none for the many that left', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const crowd = await Promise.all(Array.from({ length: 300 }, () => SseReader.open(`${base}/api/stream`)));
    for (const client of crowd) client.close();
    const stayed = await SseReader.open(`${base}/api/stream`);
    try {
      await stayed.waitFor((e) => e.event === 'init', 60_000);
    } finally {
      stayed.close();
    }
    // A snapshot is a handful of queries; one per client would be hundreds.
    expect(panelQueries).toBeGreaterThan(0);
    expect(panelQueries).toBeLessThan(40);
  });
});
