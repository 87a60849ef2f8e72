import { describe, expect, it } from 'vitest';
import type { SalesRow, SessionRow } from '../core/result-rows.ts';
import { TextBytes } from '../core/text-bytes.ts';
import { salesMessages, sessionMessages } from '../stream/sink.ts';
import { batchEmission } from './results-follower.ts';
import { liveRow, liveSession } from './live.ts';

const sale = (o: Partial<SalesRow>): SalesRow => ({
  windowStart: Date.UTC(2019, 9, 1, 10),
  windowEnd: Date.UTC(2019, 9, 1, 10, 1),
  productId: 18_446_744_073_709_551_615n,
  sourcePartition: 3,
  revenueCents: 12_345,
  purchases: 2,
  views: 7,
  carts: 1,
  removals: 0,
  isFinal: false,
  version: 99,
  ...o,
});

const session: SessionRow = {
  userId: 512_345_678n,
  userSession: 'a "quoted" session',
  sessionStart: Date.UTC(2019, 9, 1, 9),
  sessionEnd: Date.UTC(2019, 9, 1, 9, 20),
  events: 5,
  views: 3,
  carts: 2,
  removals: 0,
  purchases: 0,
  cartValueCents: 4_200,
  purchaseValueCents: 0,
  productsCarted: 2,
  productsPurchased: 0,
  abandoned: true,
  abandonedValueCents: 4_200,
  products: [],
  sourcePartition: 1,
  version: 7,
};

const values = (messages: { value: unknown }[]) => messages.map((m) => Buffer.from(m.value as Buffer));

describe('the live feed from the results topics', () => {
  it('pushes what the in-process job pushes for the same rows (the records stream/sink.ts writes)', () => {
    const rows = [sale({}), sale({ productId: 5n, purchases: 0, revenueCents: 0, isFinal: true })];
    const { update, skipped } = batchEmission('sales', values(salesMessages(rows, new TextBytes(1024))), 1_700_000_000_000);
    expect(skipped).toBe(0);
    expect(update.sales.map(liveRow)).toEqual(rows.map(liveRow));
    expect(update.sessions).toEqual([]);
    // A sales row with purchases changed customers' values; the other did not.
    expect(update.customers).toBe(1);
    expect(update.emittedAt).toBe(1_700_000_000_000);

    const closed = batchEmission('sessions', values(sessionMessages([session, { ...session, userSession: '' }], new TextBytes(1024))), 1);
    expect(closed.update.sessions.map(liveSession)).toEqual([liveSession(session), liveSession({ ...session, userSession: '' })]);
    expect(closed.update.sales).toEqual([]);
  });

  it('skips records of another shape and keeps the rest', () => {
    const good = values(salesMessages([sale({})], new TextBytes(1024)))[0]!;
    const bad = [null, Buffer.from('not json'), Buffer.from('{"window_start":"x"}'), Buffer.from(JSON.stringify({ ...JSON.parse(good.toString()), product_id: -1 }))];
    const { update, skipped } = batchEmission('sales', [...bad, good], 0);
    expect(skipped).toBe(4);
    expect(update.sales).toHaveLength(1);
  });
});
