import { describe, expect, it } from 'vitest';
import { legacyCheckpoint } from './legacy-checkpoint.ts';
import { Emissions, PartitionPipeline } from './partition-pipeline.ts';
import { BASE, sec, eventFactory } from '../test/fixtures.ts';
import type { EventBuffer } from './result-tables.ts';

const OPTIONS = { windowSizeMs: 60_000, outOfOrdernessMs: 45_000, allowedLatenessMs: 0 };
const ev = eventFactory({ event_time: BASE, event_type: 'purchase', product_id: 1n, category_id: 1n, category_code: null, brand: null, price_cents: 1_000, user_id: 7n, user_session: 's1' });
const noEvents: EventBuffer = { length: 0, add: () => undefined, clear: () => undefined, write: async () => undefined };

/** A checkpoint's state as a build before keyed state wrote it: the whole partition in one document. */
const OLD = {
  nextOffset: 12,
  watermark: { maxEventTime: sec(70), floor: null },
  windows: {
    windows: [{ start: sec(60), end: sec(120), products: [['1', { revenueCents: 1_000, purchases: 1, views: 0, carts: 0, removals: 0 }]], dirty: [], seen: ['k1'] }],
    lateSeen: ['late-1'],
  },
  customers: {
    users: [['7', { revenueCents: 3_000, purchases: 3, sessions: ['a', 'b'], sessionlessOrders: 1, firstPurchaseAt: sec(5), lastPurchaseAt: sec(70) }]],
    dirty: ['7'],
  },
};

describe('a checkpoint of a build before keyed state', () => {
  it('restores its windows, late memory, customers and watermark', () => {
    const { progress, entries } = legacyCheckpoint(JSON.stringify(OLD));
    const p = new PartitionPipeline(0, OPTIONS);
    for (const entry of entries) p.restoreEntry(entry);
    p.restored(OLD.nextOffset, progress);
    expect([p.openWindows, p.customerCount, p.watermark]).toEqual([1, 1, sec(25)]);

    const out = new Emissions(noEvents);
    // Session 'b' is a known order; the pending user 7 is emitted at the next firing.
    p.process(ev({ user_session: 'b', event_time: sec(80), price_cents: 500 }), 12, out);
    p.fireEarly(out);
    expect(out.customers.at(-1)).toMatchObject({ userId: 7n, revenueCents: 3_500, purchases: 4, orders: 3, firstPurchaseAt: sec(5), lastPurchaseAt: sec(80) });
    p.endOfInput(out);
    expect(out.sales.filter((r) => r.isFinal && r.windowStart === sec(60))).toMatchObject([{ productId: 1n, purchases: 2, revenueCents: 1_500 }]);
  });
});
