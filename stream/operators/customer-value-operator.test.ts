import { describe, expect, it } from 'vitest';
import { KeyedStateBackend } from '../state/state-backend.ts';
import { CustomerValueOperator } from './customer-value-operator.ts';
import { BASE, sec, eventFactory } from '../../test/fixtures.ts';
import { Changelog } from '../../test/changelog.ts';

const ev = eventFactory({ event_time: BASE, event_type: 'purchase', product_id: 1n, category_id: 1602943681873052386n, category_code: null, brand: null, price_cents: 1_000, user_id: 7n, user_session: 's1' });

const operator = (state = new KeyedStateBackend()) => new CustomerValueOperator(state);

/** A new operator restored from the checkpoints taken of `state`, with the users `from` was about to emit. */
function restoredFrom(state: KeyedStateBackend, from: CustomerValueOperator): CustomerValueOperator {
  const restoredState = new KeyedStateBackend();
  const op = operator(restoredState);
  for (const entry of new Changelog().append(state.takeChanges()).entries()) restoredState.restore(entry);
  op.restorePending(from.pending());
  return op;
}

describe('CustomerValueOperator', () => {
  it('ignores everything but purchases', () => {
    const op = operator();
    op.process(ev({ event_type: 'view' }));
    op.process(ev({ event_type: 'cart' }));
    op.process(ev({ event_type: 'remove_from_cart' }));
    expect(op.size).toBe(0);
    expect(op.onProcessingTime()).toEqual([]);
  });

  it('emits each changed user once per firing, then nothing until it changes again', () => {
    const op = operator();
    op.process(ev({ user_id: 1n, price_cents: 100 }));
    op.process(ev({ user_id: 2n, price_cents: 200 }));
    op.process(ev({ user_id: 1n, price_cents: 300, user_session: 's2' }));
    const first = op.onProcessingTime();
    expect(first.map((e) => e.userId)).toEqual([1n, 2n]);
    expect(first[0]!.value).toMatchObject({ revenueCents: 400, purchases: 2, orders: 2, avgOrderValueCents: 200 });
    expect(first[1]!.value).toMatchObject({ revenueCents: 200, purchases: 1, orders: 1 });
    expect(op.onProcessingTime()).toEqual([]);
    op.process(ev({ user_id: 2n, price_cents: 50 }));
    const second = op.onProcessingTime();
    expect(second.map((e) => e.userId)).toEqual([2n]);
    expect(second[0]!.value).toMatchObject({ revenueCents: 250, purchases: 2, orders: 1 });
  });

  it('keeps user ids above 2^53 exact', () => {
    const state = new KeyedStateBackend();
    const op = operator(state);
    const big = 9_007_199_254_740_993n;
    op.process(ev({ user_id: big }));
    expect(restoredFrom(state, op).onProcessingTime()[0]!.userId).toBe(big);
  });

  it('restores from its checkpointed entries: sessions, pending users and totals carry over', () => {
    const state = new KeyedStateBackend();
    const op = operator(state);
    op.process(ev({ user_id: 1n, user_session: 'a', event_time: sec(10) }));
    op.process(ev({ user_id: 1n, user_session: null, event_time: sec(20) }));
    op.onProcessingTime();
    op.process(ev({ user_id: 3n, user_session: 'z' }));

    const restored = restoredFrom(state, op);
    expect(restored.size).toBe(2);
    // only user 3 was dirty at the snapshot
    expect(restored.onProcessingTime().map((e) => e.userId)).toEqual([3n]);
    // a purchase in the known session 'a' is not a new order
    restored.process(ev({ user_id: 1n, user_session: 'a', event_time: sec(5) }));
    const [row] = restored.onProcessingTime();
    expect(row!.value).toEqual({
      revenueCents: 3_000,
      purchases: 3,
      orders: 2,
      firstPurchaseAt: sec(5),
      lastPurchaseAt: sec(20),
      avgOrderValueCents: 1_500,
    });
  });

  it('a checkpoint takes only the users changed since the last one', () => {
    const state = new KeyedStateBackend();
    const op = operator(state);
    op.process(ev({ user_id: 1n }));
    op.process(ev({ user_id: 2n }));
    expect(state.takeChanges().map((e) => e.key)).toEqual(['1', '2']);
    op.process(ev({ user_id: 2n, user_session: 's2' }));
    op.process(ev({ user_id: 2n, user_session: 's3', event_type: 'view' }));
    expect(state.takeChanges()).toEqual([{ state: 'customers', key: '2', value: JSON.stringify([2_000, 2, 2, BASE, BASE, BASE, 1_000, BASE, 1_000, 's1', BASE, 's2', BASE]) }]);
    expect(state.takeChanges()).toEqual([]);
  });

  it('keeps the order history the lifetime-value model reads: a purchase joining its session\'s order adds to that order', () => {
    const op = operator();
    op.process(ev({ user_session: 'a', event_time: sec(0), price_cents: 100 }));
    op.process(ev({ user_session: 'b', event_time: sec(100), price_cents: 200 }));
    op.process(ev({ user_session: 'a', event_time: sec(150), price_cents: 50 }));
    op.process(ev({ user_session: null, event_time: sec(300), price_cents: 400 }));
    op.process(ev({ user_session: 'b', event_time: sec(400), price_cents: 25 }));
    expect(op.historyOf(7n)).toEqual({ firstOrderAt: sec(0), firstOrderValue: 150, lastOrderAt: sec(300), orders: 3, repeatOrderValueSum: 625 });
  });

  it('restores a customer checkpointed before order histories were kept, the history approximated from the totals', () => {
    const restoredState = new KeyedStateBackend();
    const op = operator(restoredState);
    restoredState.restore({ state: 'customers', key: '7', value: JSON.stringify([3_000, 3, 2, BASE, sec(60), 's1', 's2']) });
    expect(op.historyOf(7n)).toEqual({ firstOrderAt: BASE, firstOrderValue: 1_500, lastOrderAt: sec(60), orders: 2, repeatOrderValueSum: 1_500 });
    op.process(ev({ user_session: 's2', event_time: sec(90), price_cents: 10 }));
    expect(op.historyOf(7n)).toMatchObject({ orders: 2, repeatOrderValueSum: 1_510 });
    op.process(ev({ user_session: 's9', event_time: sec(120), price_cents: 10 }));
    expect(op.historyOf(7n)).toMatchObject({ orders: 3, lastOrderAt: sec(120), repeatOrderValueSum: 1_520 });
  });
});
