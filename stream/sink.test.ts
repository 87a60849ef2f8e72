import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SalesRow } from '../core/result-rows.ts';
import { TextBytes } from '../core/text-bytes.ts';
import { salesMessages } from './sink.ts';

const count = fc.integer({ min: 0, max: 2 ** 40 });
const salesRow: fc.Arbitrary<SalesRow> = fc.record({
  windowStart: fc.integer({ min: 0, max: 4e12 }),
  windowEnd: fc.integer({ min: 0, max: 4e12 }),
  productId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  sourcePartition: fc.integer({ min: 0, max: 1000 }),
  revenueCents: fc.integer({ min: -1e12, max: 1e12 }),
  purchases: count,
  views: count,
  carts: count,
  removals: count,
  isFinal: fc.boolean(),
  version: fc.maxSafeInteger(),
});

describe('salesMessages', () => {
  it('keys each record by its product id and writes the public JSON, field by field', () => {
    fc.assert(
      fc.property(fc.array(salesRow, { maxLength: 20 }), (rows) => {
        const messages = salesMessages(rows, new TextBytes(16));
        expect(messages.map((m) => String(m.key))).toEqual(rows.map((r) => r.productId.toString()));
        expect(messages.map((m) => String(m.value))).toEqual(
          rows.map((r) =>
            JSON.stringify({
              window_start: r.windowStart,
              window_end: r.windowEnd,
              product_id: r.productId.toString(),
              source_partition: r.sourcePartition,
              revenue_cents: r.revenueCents,
              purchases: r.purchases,
              views: r.views,
              carts: r.carts,
              removals: r.removals,
              is_final: r.isFinal,
              version: r.version,
            }),
          ),
        );
      }),
      { numRuns: 500 },
    );
  });
});
