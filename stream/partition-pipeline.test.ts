import { describe, expect, it } from 'vitest';
import type { ShopEvent } from '../core/event.ts';
import type { EngineOptions } from './defaults.ts';
import type { CustomerRow, SalesRow } from '../core/result-rows.ts';
import { Emissions, PartitionPipeline } from './partition-pipeline.ts';
import { NO_WATERMARK } from './time.ts';
import { BASE, sec, eventFactory } from '../test/fixtures.ts';
import { Changelog } from '../test/changelog.ts';
import type { EventBuffer } from './result-tables.ts';

const OPTIONS: EngineOptions = { windowSizeMs: 60_000, outOfOrdernessMs: 45_000, allowedLatenessMs: 0 };

const ev = eventFactory({ event_time: BASE, event_type: 'view', product_id: 1n, category_id: 1602943681873052386n, category_code: null, brand: null, price_cents: 1_000, user_id: 7n, user_session: 's1' });
const buy = (t: number, o: Partial<ShopEvent> = {}) => ev({ event_type: 'purchase', event_time: sec(t), ...o });
const view = (t: number, o: Partial<ShopEvent> = {}) => ev({ event_type: 'view', event_time: sec(t), ...o });

/** The events handed on for the events table, in the order the pipeline added them. */
class CollectedEvents implements EventBuffer {
  readonly events: ShopEvent[] = [];
  get length(): number {
    return this.events.length;
  }
  add(event: ShopEvent): void {
    this.events.push(event);
  }
  clear(): void {
    this.events.length = 0;
  }
  async write(): Promise<void> {}
}
const collecting = () => new Emissions(new CollectedEvents());

/** The source lines of the events handed on for the events table, in order. */
const archivedLines = (out: Emissions<CollectedEvents>) => out.events.events.map((e) => e.source_line);

/** A pipeline fed at consecutive offsets into one Emissions. */
function harness(options: EngineOptions = OPTIONS, partition = 0) {
  const p = new PartitionPipeline(partition, options);
  const out = collecting();
  let offset = 0;
  return {
    p,
    out,
    feed(...events: ShopEvent[]) {
      for (const e of events) p.process(e, offset++, out);
    },
  };
}
const finals = (out: Emissions) => out.sales.filter((r) => r.isFinal);
const early = (out: Emissions) => out.sales.filter((r) => !r.isFinal);
const lastCustomer = (out: Emissions, userId: bigint) => out.customers.filter((c) => c.userId === userId).at(-1);

describe('PartitionPipeline: watermark and lateness', () => {
  it('the watermark is the max event time minus the bound', () => {
    const h = harness();
    expect(h.p.watermark).toBe(NO_WATERMARK);
    h.feed(view(100), view(70));
    expect(h.p.watermark).toBe(sec(55));
  });

  it('an out-of-order event within the bound is not late', () => {
    const h = harness();
    h.feed(view(100), view(56, { product_id: 2n })); // 44 s behind the max
    expect(h.out.late).toEqual([]);
    expect(h.p.counters.late).toBe(0);
    h.p.endOfInput(h.out);
    expect(finals(h.out).find((r) => r.windowStart === sec(0) && r.productId === 2n)?.views).toBe(1);
  });

  it('an event further behind than the bound is still not late while its window is open', () => {
    const h = harness();
    h.feed(view(100), view(61, { product_id: 2n })); // 39 s behind, window [60,120) open
    h.feed(view(104), view(60, { product_id: 3n })); // watermark 59 s: window [60,120) still open
    expect(h.out.late).toEqual([]);
  });

  it('an event older than the bound whose window is final is late: routed to late, not added, counted in CLV', () => {
    const h = harness();
    h.feed(buy(10, { product_id: 1n, user_id: 1n, user_session: 'a' }));
    h.feed(view(106, { product_id: 1n, user_id: 2n })); // watermark 61 s: [0,60) is final
    expect(finals(h.out).map((r) => [r.windowStart, r.productId, r.purchases])).toEqual([[sec(0), 1n, 1]]);
    const openBefore = h.p.openWindows;
    const salesBefore = h.out.sales.length;

    const late = buy(30, { product_id: 5n, user_id: 1n, user_session: 'b', price_cents: 250 });
    h.feed(late);
    expect(h.out.late).toEqual([{ event: late, windowStart: sec(0), watermark: sec(61) }]);
    expect(h.p.counters.late).toBe(1);
    expect(archivedLines(h.out)).toContain(late.source_line);
    expect(h.p.openWindows).toBe(openBefore);
    expect(h.out.sales.length).toBe(salesBefore);

    h.p.endOfInput(h.out);
    expect(h.out.sales.some((r) => r.productId === 5n)).toBe(false);
    expect(finals(h.out).filter((r) => r.windowStart === sec(0))).toHaveLength(1);
    expect(lastCustomer(h.out, 1n)).toMatchObject({ revenueCents: 1_250, purchases: 2, orders: 2, firstPurchaseAt: sec(10), lastPurchaseAt: sec(30) });
  });

  it("a late event's exact copy is routed to late as well but counted once in CLV", () => {
    const h = harness();
    h.feed(view(106, { product_id: 1n, user_id: 2n })); // watermark 61 s
    const late = buy(30, { product_id: 5n, user_id: 1n, user_session: 'b', price_cents: 250, source_line: 40 });
    const copy = { ...late, source_line: 41 };
    h.feed(late, copy);
    expect(h.out.late.map((l) => l.event)).toEqual([late, copy]);
    expect(h.p.counters).toEqual({ events: 3, duplicates: 1, late: 2 });
    h.p.fireEarly(h.out);
    expect(lastCustomer(h.out, 1n)).toMatchObject({ revenueCents: 250, purchases: 1, orders: 1 });
  });
});

describe('PartitionPipeline: triggers', () => {
  it('early firing emits only dirty products with is_final=false, nothing when nothing changed', () => {
    const h = harness();
    h.feed(buy(1, { product_id: 1n }), view(2, { product_id: 2n }));
    h.p.fireEarly(h.out);
    expect(early(h.out).map((r) => r.productId).sort()).toEqual([1n, 2n]);
    expect(finals(h.out)).toEqual([]);
    expect(early(h.out).find((r) => r.productId === 1n)).toMatchObject({ windowStart: sec(0), windowEnd: sec(60), purchases: 1, revenueCents: 1_000, sourcePartition: 0 });

    const n = h.out.sales.length;
    h.p.fireEarly(h.out);
    expect(h.out.sales.length).toBe(n);

    h.feed(view(3, { product_id: 2n }));
    h.p.fireEarly(h.out);
    const added = h.out.sales.slice(n);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ productId: 2n, views: 2, isFinal: false });
  });

  it('final firing when the watermark reaches window end: every product, state freed, openWindows decreases', () => {
    const h = harness();
    h.feed(buy(1, { product_id: 1n }), view(2, { product_id: 2n }), view(70, { product_id: 3n }));
    expect(h.p.openWindows).toBe(2);
    h.feed(view(104)); // watermark 59 s: not yet
    expect(finals(h.out)).toEqual([]);
    h.feed(view(105)); // watermark 60 s = end of [0,60)
    const f = finals(h.out);
    expect(f.map((r) => r.productId).sort()).toEqual([1n, 2n]);
    expect(f.every((r) => r.windowStart === sec(0) && r.windowEnd === sec(60))).toBe(true);
    expect(h.p.openWindows).toBe(1);
    // the freed window is never emitted again
    h.p.fireEarly(h.out);
    expect(h.out.sales.filter((r) => r.windowStart === sec(0))).toHaveLength(2);
  });

  it('allowed lateness delays the final firing and accepts events until then', () => {
    const h = harness({ ...OPTIONS, allowedLatenessMs: 10_000 });
    h.feed(view(1), view(110)); // watermark 65 s: window passed, lateness not over
    expect(finals(h.out)).toEqual([]);
    h.feed(view(2)); // accepted
    expect(h.out.late).toEqual([]);
    h.feed(view(115)); // watermark 70 s
    expect(finals(h.out).find((r) => r.windowStart === sec(0))?.views).toBe(2);
    h.feed(view(3));
    expect(h.out.late).toHaveLength(1);
  });

  it('advanceTo (idle partition following the others) fires passed windows; a lower value does nothing', () => {
    const h = harness();
    h.feed(view(10));
    h.p.advanceTo(sec(30), h.out);
    expect(finals(h.out)).toEqual([]);
    h.p.advanceTo(sec(60), h.out);
    expect(finals(h.out)).toHaveLength(1);
    expect(h.p.watermark).toBe(sec(60));
    h.p.advanceTo(sec(20), h.out);
    expect(h.p.watermark).toBe(sec(60));
  });

  it('hopping windows give size/slide rows per event', () => {
    const h = harness({ ...OPTIONS, windowSlideMs: 20_000 });
    h.feed(buy(70));
    h.p.fireEarly(h.out);
    expect(early(h.out).map((r) => r.windowStart)).toEqual([sec(20), sec(40), sec(60)]);
    h.p.endOfInput(h.out);
    expect(finals(h.out).map((r) => r.windowStart).sort()).toEqual([sec(20), sec(40), sec(60)]);
    expect(h.p.openWindows).toBe(0);
  });
});

describe('PartitionPipeline: dedup and orders', () => {
  it('an exact duplicate is counted once in sales and CLV but both are archived', () => {
    const h = harness();
    const a = buy(5, { source_line: 10, ingested_at: 1 });
    const b = { ...a, source_line: 11, ingested_at: 2 };
    h.feed(a, b);
    expect(archivedLines(h.out)).toEqual([10, 11]);
    expect(h.p.counters).toEqual({ events: 2, duplicates: 1, late: 0 });
    h.p.endOfInput(h.out);
    expect(finals(h.out)).toHaveLength(1);
    expect(finals(h.out)[0]).toMatchObject({ purchases: 1, revenueCents: 1_000 });
    expect(lastCustomer(h.out, 7n)).toMatchObject({ purchases: 1, revenueCents: 1_000, orders: 1 });
  });

  it('two purchases in one session are one order; each session-less purchase is its own order', () => {
    const h = harness();
    h.feed(
      buy(1, { user_id: 1n, user_session: 'S', product_id: 1n, price_cents: 1_000 }),
      buy(2, { user_id: 1n, user_session: 'S', product_id: 2n, price_cents: 500 }),
      buy(3, { user_id: 2n, user_session: null, price_cents: 100 }),
      buy(4, { user_id: 2n, user_session: '', price_cents: 200 }),
      buy(5, { user_id: 2n, user_session: null, product_id: 3n, price_cents: 1 }),
      view(6, { user_id: 3n }),
    );
    h.p.fireEarly(h.out);
    expect(lastCustomer(h.out, 1n)).toMatchObject({ orders: 1, purchases: 2, revenueCents: 1_500, avgOrderValueCents: 1_500 });
    expect(lastCustomer(h.out, 2n)).toMatchObject({ orders: 3, purchases: 3, revenueCents: 301, avgOrderValueCents: 100 });
    expect(lastCustomer(h.out, 3n)).toBeUndefined();
    expect(h.p.customerCount).toBe(2);
  });
});

describe('PartitionPipeline: versions and offsets', () => {
  it('a final row outranks an early row emitted at the same offset', () => {
    const h = harness();
    h.feed(view(1), view(2), view(3));
    h.p.fireEarly(h.out);
    h.p.advanceTo(sec(60), h.out);
    const [e] = early(h.out);
    const [f] = finals(h.out);
    expect(e!.windowStart).toBe(f!.windowStart);
    expect(e!.productId).toBe(f!.productId);
    expect(f!.version).toBeGreaterThan(e!.version);
  });

  it('a final row emitted while processing an event outranks the early row fired right after it', () => {
    const h = harness();
    h.feed(view(1, { product_id: 1n }));
    h.feed(view(105, { product_id: 2n })); // fires [0,60) final
    h.p.fireEarly(h.out); // early row of [60,120)
    const f = finals(h.out)[0]!;
    const e = early(h.out)[0]!;
    expect(f.version).toBeGreaterThan(e.version);
  });

  it('versions grow with the offset', () => {
    const h = harness();
    h.feed(buy(1));
    h.p.fireEarly(h.out);
    h.feed(buy(2, { product_id: 1n, user_session: 's9' }));
    h.p.fireEarly(h.out);
    const [s1, s2] = early(h.out);
    expect(s2!.version).toBeGreaterThan(s1!.version);
    const [c1, c2] = h.out.customers;
    expect(c2!.version).toBeGreaterThan(c1!.version);
  });

  it('offsets below nextOffset are ignored (replay)', () => {
    const p = new PartitionPipeline(0, OPTIONS);
    const out = collecting();
    p.process(buy(1), 5, out);
    expect(p.nextOffset).toBe(6);
    p.process(buy(2, { product_id: 2n }), 3, out);
    p.process(buy(2, { product_id: 3n }), 5, out);
    expect(out.events).toHaveLength(1);
    expect(p.counters.events).toBe(1);
    p.fireEarly(out);
    expect(out.sales.map((r) => r.productId)).toEqual([1n]);
    p.process(buy(3, { product_id: 4n }), 6, out);
    expect(out.events).toHaveLength(2);
    expect(p.nextOffset).toBe(7);
  });

  it('skip moves nextOffset past an offset without an event', () => {
    const p = new PartitionPipeline(0, OPTIONS);
    p.skip(4);
    expect(p.nextOffset).toBe(5);
    p.skip(2);
    expect(p.nextOffset).toBe(5);
  });
});

describe('PartitionPipeline: endOfInput', () => {
  it('makes every window final, emits CLV, and later events still work', () => {
    const h = harness();
    h.feed(buy(10, { product_id: 1n }), view(75, { product_id: 2n }), view(100, { product_id: 3n }), view(125, { product_id: 3n }));
    // watermark 80 s: [0,60) final already, [60,120) and [120,180) open
    expect(finals(h.out).map((r) => r.windowStart)).toEqual([sec(0)]);
    expect(h.p.openWindows).toBe(2);
    h.p.endOfInput(h.out);
    expect(h.p.openWindows).toBe(0);
    expect([...new Set(finals(h.out).map((r) => r.windowStart))]).toEqual([sec(0), sec(60), sec(120)]);
    expect(finals(h.out)).toHaveLength(4);
    expect(lastCustomer(h.out, 7n)).toMatchObject({ purchases: 1 });

    // a later event opens a new window and is final after the next endOfInput
    h.feed(buy(300, { product_id: 4n }));
    expect(h.out.late).toEqual([]);
    expect(h.p.openWindows).toBe(1);
    // an event in an already final window is late
    h.feed(view(20, { product_id: 5n }));
    expect(h.out.late.map((l) => l.windowStart)).toEqual([sec(0)]);
    h.p.endOfInput(h.out);
    expect(finals(h.out).find((r) => r.productId === 4n)).toMatchObject({ windowStart: sec(300), purchases: 1 });
    expect(lastCustomer(h.out, 7n)).toMatchObject({ purchases: 2 });
    expect(h.p.openWindows).toBe(0);
  });

  it('on an empty pipeline does nothing', () => {
    const h = harness();
    h.p.endOfInput(h.out);
    expect(h.out.size).toBe(0);
    expect(h.p.watermark).toBe(NO_WATERMARK);
  });
});

// ---- checkpoint determinism ----------------------------------------------------------------

/** A deterministic mixed workload: several windows, users, sessions, duplicates, disorder, late events. */
function workload(): ShopEvent[] {
  const events: ShopEvent[] = [];
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >>> 12) % n;
  };
  const types = ['view', 'view', 'cart', 'remove_from_cart', 'purchase', 'purchase'] as const;
  for (let i = 0; i < 120; i++) {
    // mostly a little out of order; every 15th event 2 minutes behind (late)
    const jitter = i % 15 === 14 ? -120 : rnd(40) - 30;
    const session = rnd(5) === 0 ? null : `s${rnd(3)}`;
    const e = ev({
      event_time: sec(Math.max(0, i * 4 + jitter)),
      event_type: types[rnd(types.length)],
      product_id: BigInt(1 + rnd(4)),
      user_id: BigInt(100 + rnd(4)),
      user_session: session,
      price_cents: 100 + rnd(900),
      source_line: i + 2,
    });
    events.push(e);
    if (rnd(6) === 0) events.push({ ...e, source_line: e.source_line + 1000 });
  }
  return events;
}

const FIRE_EVERY = 7;
function runSegment(p: PartitionPipeline, events: ShopEvent[], from: number, to: number, out: Emissions): void {
  for (let offset = from; offset < to; offset++) {
    p.process(events[offset]!, offset, out);
    if ((offset + 1) % FIRE_EVERY === 0) p.fireEarly(out);
  }
}

const key = (r: SalesRow) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
const finalSet = (outs: Emissions[]) => outs.flatMap((o) => o.sales.filter((r) => r.isFinal).map(key)).sort();
function lastCustomers(outs: Emissions[]): Map<string, CustomerRow> {
  const m = new Map<string, CustomerRow>();
  for (const o of outs) for (const c of o.customers) m.set(String(c.userId), c);
  return m;
}

/** A partition's checkpoints: the changelog of their entries, and the latest one's offset and progress. */
class Checkpoints {
  readonly log = new Changelog();
  private latest = { nextOffset: 0, progress: '' };

  take(p: PartitionPipeline, compact = false): void {
    const { nextOffset, progress, changes } = p.checkpoint(compact);
    if (compact) this.log.compact(changes);
    else this.log.append(changes);
    this.latest = { nextOffset, progress };
  }

  /** A new pipeline restored from the latest checkpoint. */
  restore(partition = 3): PartitionPipeline {
    const p = new PartitionPipeline(partition, OPTIONS);
    for (const entry of this.log.entries()) p.restoreEntry(entry);
    p.restored(this.latest.nextOffset, this.latest.progress);
    return p;
  }
}

describe('PartitionPipeline: checkpoint determinism', () => {
  const events = workload();
  const N = events.length;

  const straightOut = collecting();
  const straight = new PartitionPipeline(3, OPTIONS);
  runSegment(straight, events, 0, N, straightOut);
  straight.endOfInput(straightOut);

  it('the workload exercises finals, late events, duplicates and CLV', () => {
    expect(finalSet([straightOut]).length).toBeGreaterThan(10);
    expect(straightOut.late.length).toBeGreaterThan(0);
    expect(straight.counters.duplicates).toBeGreaterThan(0);
    expect(lastCustomers([straightOut]).size).toBeGreaterThan(1);
  });

  it.each([0, 1, 13, 14, 40, 77, N - 1, N])('incremental checkpoints up to %i events, restored into a new pipeline: identical results', (k) => {
    const first = collecting();
    const before = new PartitionPipeline(3, OPTIONS);
    const checkpoints = new Checkpoints();
    // A checkpoint every 10 events, every third a compaction, and one at k.
    for (let at = 0; at < k; at = Math.min(k, at + 10)) {
      runSegment(before, events, at, Math.min(k, at + 10), first);
      checkpoints.take(before, at % 30 === 20);
    }
    checkpoints.take(before);
    // the original keeps running after the checkpoint, as it would until a crash
    runSegment(before, events, k, Math.min(N, k + 5), collecting());

    const after = checkpoints.restore();
    expect(after.nextOffset).toBe(k);
    const second = collecting();
    runSegment(after, events, k, N, second);
    after.endOfInput(second);

    expect(finalSet([first, second])).toEqual(finalSet([straightOut]));
    expect(lastCustomers([first, second])).toEqual(lastCustomers([straightOut]));
    expect([...first.late, ...second.late]).toEqual(straightOut.late);
    expect(after.watermark).toBe(straight.watermark);
  });

  it('after a restore, re-reading the already processed offsets emits nothing', () => {
    const k = 50;
    const before = new PartitionPipeline(3, OPTIONS);
    runSegment(before, events, 0, k, collecting());
    const checkpoints = new Checkpoints();
    checkpoints.take(before);
    const after = checkpoints.restore();
    const replayed = collecting();
    for (let offset = 0; offset < k; offset++) after.process(events[offset]!, offset, replayed);
    expect(replayed.size).toBe(0);
    expect(after.nextOffset).toBe(k);

    const rest = collecting();
    runSegment(after, events, k, N, rest);
    after.endOfInput(rest);
    const firstPart = collecting();
    runSegment(new PartitionPipeline(3, OPTIONS), events, 0, k, firstPart);
    expect(finalSet([firstPart, rest])).toEqual(finalSet([straightOut]));
    expect(lastCustomers([firstPart, rest])).toEqual(lastCustomers([straightOut]));
  });

  it('a checkpoint taken after endOfInput restores a final state: the freed windows are deleted', () => {
    const p = new PartitionPipeline(0, OPTIONS);
    const out = collecting();
    const checkpoints = new Checkpoints();
    runSegment(p, events, 0, 30, out);
    checkpoints.take(p);
    p.endOfInput(out);
    checkpoints.take(p);
    const r = checkpoints.restore(0);
    expect(r.openWindows).toBe(0);
    expect(r.watermark).toBe(p.watermark);
    const o2 = collecting();
    r.process(view(0, { product_id: 42n }), 30, o2);
    expect(o2.late).toHaveLength(1);
  });
});
