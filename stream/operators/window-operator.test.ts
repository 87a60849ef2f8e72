import { describe, expect, it } from 'vitest';
import { contentKey } from '../../core/event.ts';
import { NO_WATERMARK } from '../time.ts';
import { earlyAndOnWatermark } from '../trigger.ts';
import { hopping, tumbling } from '../window.ts';
import { KeyedStateBackend } from '../state/state-backend.ts';
import { LATE_DEDUP_CAPACITY, LATE_EVENTS, WindowOperator } from './window-operator.ts';
import { BASE, sec, eventFactory } from '../../test/fixtures.ts';
import { Changelog } from '../../test/changelog.ts';

const ev = eventFactory({ event_time: BASE, event_type: 'view', product_id: 1n, category_id: 1602943681873052386n, category_code: null, brand: null, price_cents: 1_000, user_id: 7n, user_session: 's1' });
const minuteOp = (lateness = 0, state = new KeyedStateBackend()) => new WindowOperator(tumbling(60_000), earlyAndOnWatermark(lateness), lateness, state);

/** A new operator restored from the changelog's entries. */
function restoredFrom(log: Changelog): WindowOperator {
  const state = new KeyedStateBackend();
  const op = minuteOp(0, state);
  for (const entry of log.entries()) state.restore(entry);
  op.restored();
  return op;
}

describe('WindowOperator', () => {
  it('adds events to their window and reports them added', () => {
    const op = minuteOp();
    expect(op.process(ev({ event_time: sec(1) }), contentKey(ev({ event_time: sec(1) })), NO_WATERMARK)).toEqual({ kind: 'added' });
    expect(op.process(ev({ event_time: sec(61) }), contentKey(ev({ event_time: sec(61) })), NO_WATERMARK)).toEqual({ kind: 'added' });
    expect(op.openWindows).toBe(2);
  });

  it('an exact duplicate is counted once', () => {
    const op = minuteOp();
    const e = ev({ event_type: 'purchase', event_time: sec(5) });
    expect(op.process(e, contentKey(e), NO_WATERMARK)).toEqual({ kind: 'added' });
    expect(op.process({ ...e, source_line: e.source_line + 1, ingested_at: 99 }, contentKey({ ...e, source_line: e.source_line + 1, ingested_at: 99 }), NO_WATERMARK)).toEqual({ kind: 'duplicate' });
    const rows = op.onWatermark(sec(60));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sales).toMatchObject({ purchases: 1, revenueCents: 1_000 });
  });

  it('events differing in one field are not duplicates', () => {
    const op = minuteOp();
    const e = ev({ event_type: 'purchase', event_time: sec(5) });
    op.process(e, contentKey(e), NO_WATERMARK);
    expect(op.process({ ...e, price_cents: 1_001 }, contentKey({ ...e, price_cents: 1_001 }), NO_WATERMARK)).toEqual({ kind: 'added' });
    expect(op.process({ ...e, user_session: 's2' }, contentKey({ ...e, user_session: 's2' }), NO_WATERMARK)).toEqual({ kind: 'added' });
    expect(op.process({ ...e, event_time: sec(6) }, contentKey({ ...e, event_time: sec(6) }), NO_WATERMARK)).toEqual({ kind: 'added' });
    expect(op.onWatermark(sec(60))[0]!.sales.purchases).toBe(4);
  });

  it('an event whose window is final is late, not added, and names its window', () => {
    const op = minuteOp();
    op.process(ev({ event_time: sec(10), product_id: 1n }), contentKey(ev({ event_time: sec(10), product_id: 1n })), NO_WATERMARK);
    op.process(ev({ event_time: sec(70), product_id: 1n }), contentKey(ev({ event_time: sec(70), product_id: 1n })), NO_WATERMARK);
    expect(op.onWatermark(sec(60))).toHaveLength(1);
    expect(op.openWindows).toBe(1);
    const admission = op.process(ev({ event_time: sec(59), product_id: 2n }), contentKey(ev({ event_time: sec(59), product_id: 2n })), sec(60));
    expect(admission).toEqual({ kind: 'late', window: { start: sec(0), end: sec(60) }, duplicate: false });
    expect(op.openWindows).toBe(1);
    expect(op.onProcessingTime().map((r) => r.window.start)).toEqual([sec(60)]);
    expect(op.onWatermark(sec(1_000)).every((r) => r.productId === 1n && r.window.start === sec(60))).toBe(true);
  });

  it("a late event's exact copy is a late duplicate, also after a restore; the memory is bounded", () => {
    const state = new KeyedStateBackend();
    const op = minuteOp(0, state);
    op.process(ev({ event_time: sec(70) }), contentKey(ev({ event_time: sec(70) })), NO_WATERMARK);
    const late = ev({ event_time: sec(5), event_type: 'purchase' });
    expect(op.process(late, contentKey(late), sec(60))).toMatchObject({ kind: 'late', duplicate: false });
    expect(op.process({ ...late, source_line: late.source_line + 1 }, contentKey({ ...late, source_line: late.source_line + 1 }), sec(60))).toMatchObject({ kind: 'late', duplicate: true });
    expect(op.process({ ...late, price_cents: 1 }, contentKey({ ...late, price_cents: 1 }), sec(60))).toMatchObject({ kind: 'late', duplicate: false });

    const log = new Changelog().append(state.takeChanges());
    expect(restoredFrom(log).process(late, contentKey(late), sec(60))).toMatchObject({ kind: 'late', duplicate: true });

    for (let i = 0; i < LATE_DEDUP_CAPACITY; i++) op.process(ev({ event_time: sec(1), product_id: BigInt(1000 + i) }), contentKey(ev({ event_time: sec(1), product_id: BigInt(1000 + i) })), sec(60));
    const lateEvents = (log: Changelog) => log.entries().filter((e) => e.state === LATE_EVENTS.name);
    expect(lateEvents(log.append(state.takeChanges()))).toHaveLength(LATE_DEDUP_CAPACITY);
    // The oldest are forgotten first, also by a restored operator.
    const restored = restoredFrom(log);
    expect(op.process(late, contentKey(late), sec(60))).toMatchObject({ kind: 'late', duplicate: false });
    expect(restored.process(late, contentKey(late), sec(60))).toMatchObject({ kind: 'late', duplicate: false });
    restored.process(ev({ event_time: sec(1), product_id: 5n }), contentKey(ev({ event_time: sec(1), product_id: 5n })), sec(60));
    expect(restored.process(ev({ event_time: sec(1), product_id: BigInt(1000 + LATE_DEDUP_CAPACITY - 1) }), contentKey(ev({ event_time: sec(1), product_id: BigInt(1000 + LATE_DEDUP_CAPACITY - 1) })), sec(60))).toMatchObject({ duplicate: true });
    expect(restored.process(ev({ event_time: sec(1), product_id: 1001n }), contentKey(ev({ event_time: sec(1), product_id: 1001n })), sec(60))).toMatchObject({ duplicate: false });
  });

  it('allowed lateness keeps a passed window open until end + lateness', () => {
    const op = minuteOp(10_000);
    op.process(ev({ event_time: sec(10) }), contentKey(ev({ event_time: sec(10) })), NO_WATERMARK);
    expect(op.onWatermark(sec(65))).toEqual([]);
    expect(op.process(ev({ event_time: sec(20) }), contentKey(ev({ event_time: sec(20) })), sec(65))).toEqual({ kind: 'added' });
    const rows = op.onWatermark(sec(70));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sales.views).toBe(2);
    expect(op.process(ev({ event_time: sec(30) }), contentKey(ev({ event_time: sec(30) })), sec(70)).kind).toBe('late');
  });

  it('early firing emits only dirty products, not final, and nothing when nothing changed', () => {
    const op = minuteOp();
    op.process(ev({ event_time: sec(1), product_id: 1n, event_type: 'purchase' }), contentKey(ev({ event_time: sec(1), product_id: 1n, event_type: 'purchase' })), NO_WATERMARK);
    op.process(ev({ event_time: sec(2), product_id: 2n }), contentKey(ev({ event_time: sec(2), product_id: 2n })), NO_WATERMARK);
    const first = op.onProcessingTime();
    expect(first.map((r) => r.productId).sort()).toEqual([1n, 2n]);
    expect(first.every((r) => r.isFinal === false)).toBe(true);
    expect(op.onProcessingTime()).toEqual([]);

    op.process(ev({ event_time: sec(3), product_id: 2n, event_type: 'cart' }), contentKey(ev({ event_time: sec(3), product_id: 2n, event_type: 'cart' })), NO_WATERMARK);
    const second = op.onProcessingTime();
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ productId: 2n, isFinal: false, sales: { views: 1, carts: 1 } });
    expect(op.openWindows).toBe(1);
  });

  it('early rows are copies: later events do not change an emitted row', () => {
    const op = minuteOp();
    op.process(ev({ event_time: sec(1) }), contentKey(ev({ event_time: sec(1) })), NO_WATERMARK);
    const [row] = op.onProcessingTime();
    op.process(ev({ event_time: sec(2) }), contentKey(ev({ event_time: sec(2) })), NO_WATERMARK);
    expect(row!.sales.views).toBe(1);
  });

  it('final firing emits every product of each passed window in start order and frees the state', () => {
    const op = minuteOp();
    op.process(ev({ event_time: sec(125), product_id: 3n }), contentKey(ev({ event_time: sec(125), product_id: 3n })), NO_WATERMARK);
    op.process(ev({ event_time: sec(5), product_id: 1n }), contentKey(ev({ event_time: sec(5), product_id: 1n })), NO_WATERMARK);
    op.process(ev({ event_time: sec(6), product_id: 2n }), contentKey(ev({ event_time: sec(6), product_id: 2n })), NO_WATERMARK);
    op.process(ev({ event_time: sec(65), product_id: 1n }), contentKey(ev({ event_time: sec(65), product_id: 1n })), NO_WATERMARK);
    op.onProcessingTime();
    expect(op.openWindows).toBe(3);

    expect(op.onWatermark(sec(59))).toEqual([]);
    const rows = op.onWatermark(sec(120));
    expect(rows.every((r) => r.isFinal)).toBe(true);
    expect(rows.map((r) => [r.window.start, r.productId])).toEqual([
      [sec(0), 1n],
      [sec(0), 2n],
      [sec(60), 1n],
    ]);
    expect(op.openWindows).toBe(1);
    expect(op.onWatermark(sec(120))).toEqual([]);
  });

  it('hopping windows: an event counts in each of its windows, a duplicate in none', () => {
    const op = new WindowOperator(hopping(60_000, 30_000), earlyAndOnWatermark(0), 0, new KeyedStateBackend());
    const e = ev({ event_time: sec(45), event_type: 'purchase' });
    expect(op.process(e, contentKey(e), NO_WATERMARK)).toEqual({ kind: 'added' });
    expect(op.process({ ...e, source_line: 999 }, contentKey({ ...e, source_line: 999 }), NO_WATERMARK)).toEqual({ kind: 'duplicate' });
    expect(op.openWindows).toBe(2);
    const rows = op.onWatermark(sec(1_000));
    expect(rows.map((r) => r.window.start)).toEqual([sec(0), sec(30)]);
    expect(rows.every((r) => r.sales.purchases === 1)).toBe(true);
  });

  it('a checkpoint restored gives the same state (dirty products, dedup, counts)', () => {
    const state = new KeyedStateBackend();
    const op = minuteOp(0, state);
    const dup = ev({ event_time: sec(5), event_type: 'purchase', product_id: 9_007_199_254_740_993n });
    op.process(dup, contentKey(dup), NO_WATERMARK);
    op.process(ev({ event_time: sec(6), product_id: 2n }), contentKey(ev({ event_time: sec(6), product_id: 2n })), NO_WATERMARK);
    op.onProcessingTime();
    op.process(ev({ event_time: sec(7), product_id: 2n }), contentKey(ev({ event_time: sec(7), product_id: 2n })), NO_WATERMARK);

    const restored = restoredFrom(new Changelog().append(state.takeChanges()));
    expect(restored.openWindows).toBe(1);
    expect(restored.process({ ...dup, source_line: 12345 }, contentKey({ ...dup, source_line: 12345 }), NO_WATERMARK)).toEqual({ kind: 'duplicate' });
    const early = restored.onProcessingTime();
    expect(early.map((r) => r.productId)).toEqual([2n]);
    expect(early[0]!.sales.views).toBe(2);
    const finals = restored.onWatermark(sec(60));
    expect(finals.find((r) => r.productId === 9_007_199_254_740_993n)!.sales).toMatchObject({ purchases: 1, revenueCents: 1_000 });
    expect(finals.find((r) => r.productId === 2n)!.sales.views).toBe(2);
  });

  it('a checkpoint takes only the windows changed since the last one, and a window freed as a deletion', () => {
    const state = new KeyedStateBackend();
    const op = minuteOp(0, state);
    op.process(ev({ event_time: sec(5) }), contentKey(ev({ event_time: sec(5) })), NO_WATERMARK);
    op.process(ev({ event_time: sec(65) }), contentKey(ev({ event_time: sec(65) })), NO_WATERMARK);
    expect(state.takeChanges().map((e) => e.key)).toEqual([String(sec(0)), String(sec(60))]);
    op.process(ev({ event_time: sec(66), product_id: 2n }), contentKey(ev({ event_time: sec(66), product_id: 2n })), NO_WATERMARK);
    expect(state.takeChanges().map((e) => e.key)).toEqual([String(sec(60))]);
    expect(state.takeChanges()).toEqual([]);
    op.onWatermark(sec(60));
    expect(state.takeChanges()).toEqual([{ state: 'windows', key: String(sec(0)), value: null }]);
    expect(state.takeAll().map((e) => [e.key, e.value === null])).toEqual([[String(sec(60)), false]]);
  });
});
