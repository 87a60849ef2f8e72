// An output larger than one insert (aggregates/writers.ts splits at 16 MB of columns, the burst at
// the end of a backfill's input) lands whole in the real ClickHouse engine: every row once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../aggregates/migrate.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import type { SalesRow } from '../../core/result-rows.ts';
import { StoreTables } from '../../aggregates/writers.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { isolatedConfig } from '../helpers.ts';

const config = isolatedConfig('large_insert');
let store: Store;

beforeAll(async () => {
  store = openStore(config);
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
});

describe('an output larger than one insert', () => {
  it('is written in several inserts with every row exactly once', async () => {
    // 69 bytes a row as Native columns: 400k rows are about 28 MB, two inserts.
    const rows: SalesRow[] = Array.from({ length: 400_000 }, (_, i) => ({
      windowStart: 1_570_000_000_000 + Math.floor(i / 1000) * 60_000,
      windowEnd: 1_570_000_060_000 + Math.floor(i / 1000) * 60_000,
      productId: 1_000_000_000_000n + BigInt(i % 1000),
      sourcePartition: 3,
      revenueCents: 100_000 + i,
      purchases: 1,
      views: i % 7,
      carts: 2,
      removals: 0,
      isFinal: true,
      version: 1_000_000 + i,
    }));
    await new StoreTables(store).writeSales(rows);
    const [totals] = await queryRows<{ n: string; cents: string; views: string; products: string }>(
      store,
      `SELECT count() AS n, toString(toUInt64(sum(revenue) * 100)) AS cents, toString(sum(views)) AS views, toString(uniqExact(product_id)) AS products FROM ${store.database}.sales_per_product`,
    );
    expect(totals).toEqual({
      n: '400000',
      cents: String(rows.reduce((n, r) => n + r.revenueCents, 0)),
      views: String(rows.reduce((n, r) => n + r.views, 0)),
      products: '1000',
    });
  });
});
