import { describe, expect, it } from 'vitest';
import { contentKey, type ShopEvent } from '../../core/event.ts';
import { KeyedStateBackend } from '../state/state-backend.ts';
import { NO_WATERMARK } from '../time.ts';
import { sessionWindows } from '../window.ts';
import { SessionOperator } from './session-operator.ts';
import { BASE, sec, eventFactory } from '../../test/fixtures.ts';
import { Changelog } from '../../test/changelog.ts';

const GAP = 60_000;
const ev = eventFactory({ event_time: BASE, event_type: 'view', product_id: 1n, category_id: 1n, category_code: null, brand: null, price_cents: 1_000, user_id: 7n, user_session: 's1' });
const operator = (state = new KeyedStateBackend(), lateness = 0) => new SessionOperator(sessionWindows(GAP), lateness, state);

/** Feeds the events at consecutive offsets with no watermark, then closes everything. */
function sessionsOf(events: ShopEvent[], op = operator()) {
  events.forEach((e, offset) => op.process(e, contentKey(e), offset, NO_WATERMARK));
  return op.onWatermark(Number.POSITIVE_INFINITY).map((s) => ({ start: s.window.start, end: s.window.end - GAP, events: s.events }));
}

describe('SessionOperator', () => {
  it('an event less than the gap after the last one joins its session; exactly the gap after starts a new one', () => {
    expect(sessionsOf([ev({ event_time: sec(0) }), ev({ event_time: sec(59) }), ev({ event_time: sec(118) })])).toEqual([{ start: sec(0), end: sec(118), events: 3 }]);
    expect(sessionsOf([ev({ event_time: sec(0) }), ev({ event_time: sec(60) })])).toEqual([
      { start: sec(0), end: sec(0), events: 1 },
      { start: sec(60), end: sec(60), events: 1 },
    ]);
    // Exactly the gap before the first event: a session of its own too.
    expect(sessionsOf([ev({ event_time: sec(60) }), ev({ event_time: sec(0) })])).toHaveLength(2);
  });

  it('an event arriving out of order between two sessions merges them, their counts added', () => {
    const cart = (t: number, price: number, product = 1n) => ev({ event_type: 'cart', event_time: sec(t), price_cents: price, product_id: product });
    const op = operator();
    op.process(cart(0, 100), contentKey(cart(0, 100)), 0, NO_WATERMARK);
    op.process(cart(100, 300), contentKey(cart(100, 300)), 1, NO_WATERMARK);
    expect(op.openSessions).toBe(2);
    op.process(ev({ event_type: 'purchase', event_time: sec(50), product_id: 2n, price_cents: 700 }), contentKey(ev({ event_type: 'purchase', event_time: sec(50), product_id: 2n, price_cents: 700 })), 2, NO_WATERMARK);
    expect(op.openSessions).toBe(1);
    const [s] = op.onWatermark(Number.POSITIVE_INFINITY);
    expect(s).toMatchObject({ window: { start: sec(0), end: sec(100) + GAP }, events: 3, carts: 2, purchases: 1, cartValueCents: 400, purchaseValueCents: 700 });
    // Product 1 carted twice: its latest cart (by event time) is the one at 100 s.
    expect(s!.products.get(1n)).toMatchObject({ carts: 2, purchased: false, lastCartPriceCents: 300 });
    expect(s!.products.get(2n)).toMatchObject({ carts: 0, purchased: true });
  });

  it('keys sessions by user and session string; events without one are grouped by user', () => {
    const sessions = sessionsOf([ev({ user_session: 'a' }), ev({ user_session: 'b' }), ev({ user_session: null }), ev({ user_session: '', event_time: sec(1) }), ev({ user_id: 8n, user_session: 'a' })]);
    expect(sessions).toHaveLength(4);
  });

  it('keeps apart the sessions of two users with one session string, and a string like `|<user_id>` from that user\'s events without one', () => {
    const op = operator();
    const events = [ev({ user_session: 'a' }), ev({ user_id: 8n, user_session: 'a', event_time: sec(1) }), ev({ user_session: null, event_time: sec(2) }), ev({ user_session: '|7', event_time: sec(3) })];
    events.forEach((e, offset) => op.process(e, contentKey(e), offset, NO_WATERMARK));
    const closed = op.onWatermark(Number.POSITIVE_INFINITY).map((s) => `${s.userId}/${s.userSession}/${s.events}`);
    expect(closed.sort()).toEqual(['7//1', '7/a/1', '7/|7/1', '8/a/1']);
  });

  it('restores entries checkpointed one per user and session string (before the state key was the session string) under their key', () => {
    const state = new KeyedStateBackend();
    const before = operator(state);
    const first = ev({ event_time: sec(0) });
    before.process(first, contentKey(first), 0, NO_WATERMARK);
    const restoredState = new KeyedStateBackend();
    const after = operator(restoredState);
    for (const entry of state.takeChanges()) restoredState.restore({ ...entry, key: '7|s1' });
    after.restored();
    const next = ev({ event_time: sec(30), source_line: 2 });
    expect(after.process(next, contentKey(next), 1, NO_WATERMARK)).toBe('added');
    expect(after.onWatermark(Number.POSITIVE_INFINITY).map((s) => s.events)).toEqual([2]);
    expect(restoredState.takeChanges().map((e) => [e.key, e.value === null])).toEqual(expect.arrayContaining([['7|s1', true]]));
  });

  it('counts an exact duplicate once', () => {
    const op = operator();
    expect(op.process(ev(), contentKey(ev()), 0, NO_WATERMARK)).toBe('added');
    expect(op.process(ev({ source_line: 99 }), contentKey(ev({ source_line: 99 })), 1, NO_WATERMARK)).toBe('duplicate');
    expect(op.onWatermark(Number.POSITIVE_INFINITY)[0]!.events).toBe(1);
  });

  it('is final once the watermark reaches the last event + gap (+ lateness); an event for a final session is late', () => {
    const op = operator(new KeyedStateBackend(), 5_000);
    op.process(ev({ event_time: sec(10) }), contentKey(ev({ event_time: sec(10) })), 0, NO_WATERMARK);
    expect(op.onWatermark(sec(10) + GAP + 4_999)).toEqual([]);
    expect(op.onWatermark(sec(10) + GAP + 5_000)).toHaveLength(1);
    expect(op.openSessions).toBe(0);
    // Would have fallen inside the session just closed.
    expect(op.process(ev({ event_time: sec(20) }), contentKey(ev({ event_time: sec(20) })), 1, sec(10) + GAP + 5_000)).toBe('late');
    // Outside it and on time: a new session.
    expect(op.process(ev({ event_time: sec(80) }), contentKey(ev({ event_time: sec(80) })), 2, sec(10) + GAP + 5_000)).toBe('added');
    // A gap later the closed session is forgotten: an event inside it is late by its own window.
    op.onWatermark(sec(10) + 2 * GAP + 5_000);
    expect(op.process(ev({ event_time: sec(20), source_line: 5 }), contentKey(ev({ event_time: sec(20), source_line: 5 })), 3, sec(10) + 2 * GAP + 5_000)).toBe('late');
  });

  it('restores from its checkpointed entries and closes the same sessions', () => {
    const events = [0, 30, 200, 230, 500].map((t, i) => ev({ event_time: sec(t), event_type: i % 2 ? 'cart' : 'view', product_id: BigInt(i) }));
    const straight = sessionsOf(events);
    const state = new KeyedStateBackend();
    const before = operator(state);
    events.slice(0, 3).forEach((e, offset) => before.process(e, contentKey(e), offset, NO_WATERMARK));
    const restoredState = new KeyedStateBackend();
    const after = operator(restoredState);
    for (const entry of new Changelog().append(state.takeChanges()).entries()) restoredState.restore(entry);
    after.restored();
    events.slice(3).forEach((e, i) => after.process(e, contentKey(e), 3 + i, NO_WATERMARK));
    const resumed = after.onWatermark(Number.POSITIVE_INFINITY).map((s) => ({ start: s.window.start, end: s.window.end - GAP, events: s.events }));
    expect(resumed).toEqual(straight);
  });
});
