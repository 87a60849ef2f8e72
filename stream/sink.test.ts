import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sessionKey, type SalesRow, type SessionRow } from '../core/result-rows.ts';
import { TextBytes } from '../core/text-bytes.ts';
import { salesMessages, sessionMessages } from './sink.ts';

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

const cents = fc.integer({ min: -1e12, max: 1e12 });
const sessionRow: fc.Arbitrary<SessionRow> = fc.record({
  userId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  userSession: fc.oneof(fc.constant(''), fc.uuid(), fc.string({ unit: 'binary' })),
  sessionStart: fc.integer({ min: 0, max: 4e12 }),
  sessionEnd: fc.integer({ min: 0, max: 4e12 }),
  events: count,
  views: count,
  carts: count,
  removals: count,
  purchases: count,
  cartValueCents: cents,
  purchaseValueCents: cents,
  productsCarted: count,
  productsPurchased: count,
  abandoned: fc.boolean(),
  abandonedValueCents: cents,
  products: fc.constant([]),
  sourcePartition: fc.integer({ min: 0, max: 1000 }),
  version: fc.maxSafeInteger(),
});

describe('sessionMessages', () => {
  it('keys each record by its user id and writes the public JSON, field by field, any session string escaped', () => {
    fc.assert(
      fc.property(fc.array(sessionRow, { maxLength: 20 }), (rows) => {
        const messages = sessionMessages(rows, new TextBytes(16));
        expect(messages.map((m) => String(m.key))).toEqual(rows.map((r) => r.userId.toString()));
        expect(messages.map((m) => String(m.value))).toEqual(
          rows.map((r) =>
            JSON.stringify({
              session_key: sessionKey(r),
              user_id: r.userId.toString(),
              user_session: r.userSession,
              session_start: r.sessionStart,
              session_end: r.sessionEnd,
              events: r.events,
              views: r.views,
              carts: r.carts,
              removals: r.removals,
              purchases: r.purchases,
              cart_value_cents: r.cartValueCents,
              purchase_value_cents: r.purchaseValueCents,
              products_carted: r.productsCarted,
              products_purchased: r.productsPurchased,
              abandoned: r.abandoned,
              abandoned_value_cents: r.abandonedValueCents,
              is_final: true,
              version: r.version,
            }),
          ),
        );
      }),
      { numRuns: 500 },
    );
  });
});
