// An output whose records of one key are larger than the broker takes in one record batch (1 MB:
// the end of input finalising many windows of one product, or many sessions of one user) reaches
// the output topics whole: the sink splits its produce requests by size.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { createKafka } from '../../core/kafka.ts';
import { topics } from '../../core/topics.ts';
import type { SalesRow, SessionRow } from '../../core/result-rows.ts';
import { prepareRuntime } from '../../cli/runtime.ts';
import { StoreTables } from '../../aggregates/writers.ts';
import type { Store } from '../../aggregates/store.ts';
import { Emissions } from '../../stream/partition-pipeline.ts';
import { WriteRetries } from '../../stream/retry.ts';
import { JobSink } from '../../stream/sink.ts';
import { isolatedConfig, readTopic } from '../helpers.ts';

const config = isolatedConfig('large_output');
let store: Store;

beforeAll(async () => {
  store = await prepareRuntime(config, logger);
});

afterAll(async () => {
  await store?.close();
});

describe('an output larger than one record batch for one key', () => {
  it('is produced in several requests, every record once', async () => {
    const t = topics(config.namespace);
    const sales: SalesRow[] = Array.from({ length: 12_000 }, (_, i) => ({
      windowStart: 1_570_000_000_000 + i * 60_000,
      windowEnd: 1_570_000_060_000 + i * 60_000,
      productId: 18_446_744_073_709_551_615n,
      sourcePartition: 0,
      revenueCents: 999_999_999,
      purchases: 1_000_000,
      views: 1_000_000,
      carts: 1_000_000,
      removals: 1_000_000,
      isFinal: true,
      version: 1_000_000_000 + i,
    }));
    const sessions: SessionRow[] = Array.from({ length: 3_000 }, (_, i) => ({
      userId: 7n,
      userSession: `a-long-session-id-${'x'.repeat(100)}-${i}`,
      sessionStart: 1_570_000_000_000 + i * 3_600_000,
      sessionEnd: 1_570_000_000_000 + i * 3_600_000 + 60_000,
      events: 10,
      views: 5,
      carts: 3,
      removals: 1,
      purchases: 1,
      cartValueCents: 3_000,
      purchaseValueCents: 1_000,
      productsCarted: 2,
      productsPurchased: 1,
      abandoned: false,
      abandonedValueCents: 2_000,
      products: [],
      sourcePartition: 0,
      version: 1_000 + i,
    }));
    const tables = new StoreTables(store);
    const out = new Emissions(tables.eventBuffer());
    out.sales.push(...sales);
    out.sessions.push(...sessions);
    const kafka = createKafka(config, 'large-output-test');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await new JobSink(tables, producer, t, logger, new WriteRetries()).write(out, [], () => undefined);
    } finally {
      await producer.disconnect();
    }
    expect(await readTopic(kafka, t.salesPerProduct, sales.length)).toHaveLength(sales.length);
    expect(await readTopic(kafka, t.sessions, sessions.length)).toHaveLength(sessions.length);
  }, 120_000);
});
