// The only module that combines assigner, trigger, window state, dedup and lateness, as Flink's
// WindowOperator does: sales per product per event-time window, keyed by product. Its keyed
// state: the open windows ("windows", keyed by window start) and the memory of recent late
// events ("late-events", keyed by content key).
import type { ShopEvent } from '../../core/event.ts';
import { addEvent, emptyProductSales, type ProductSales } from '../aggregations/product-sales.ts';
import { jsonValue, NUMBER_KEY, STRING_KEY, type StateDescriptor, type ValueState } from '../state/keyed-state.ts';
import type { KeyedStateBackend } from '../state/state-backend.ts';
import type { Trigger } from '../trigger.ts';
import { isWindowFinal, type Window, type WindowAssigner } from '../window.ts';

export interface WindowResult {
  window: Window;
  productId: bigint;
  sales: ProductSales;
  isFinal: boolean;
}

/**
 * What happened to an event: counted, an exact duplicate within the horizon, or late (and then
 * whether it repeats a recent late event exactly, which lifetime value must not count twice).
 */
export type Admission = { kind: 'added' } | { kind: 'duplicate' } | { kind: 'late'; window: Window; duplicate: boolean };
const ADDED: Admission = Object.freeze({ kind: 'added' });
const DUPLICATE: Admission = Object.freeze({ kind: 'duplicate' });
const NO_RESULTS: readonly WindowResult[] = Object.freeze([]);

/**
 * Late events remembered for dedup. Exact duplicates arrive next to each other in the data, so a
 * late event's copy follows it closely; a bounded, insertion-ordered memory keeps state small
 * and replay deterministic.
 */
export const LATE_DEDUP_CAPACITY = 10_000;

interface WindowState {
  window: Window;
  products: Map<bigint, ProductSales>;
  dirty: Set<bigint>;
  /** Content keys seen in this window: exact duplicates are counted once. */
  seen: Set<string>;
}

/** A window as a checkpoint holds it. */
export interface StoredWindow {
  start: number;
  end: number;
  products: Array<[string, ProductSales]>;
  dirty: string[];
  seen: string[];
}

export const WINDOWS: StateDescriptor<number, WindowState> = {
  name: 'windows',
  key: NUMBER_KEY,
  value: jsonValue<WindowState>(
    (s): StoredWindow => ({
      start: s.window.start,
      end: s.window.end,
      products: [...s.products].map(([id, sales]) => [String(id), sales]),
      dirty: [...s.dirty].map(String),
      seen: [...s.seen],
    }),
    (json) => {
      const w = json as StoredWindow;
      return {
        window: { start: w.start, end: w.end },
        products: new Map(w.products.map(([id, sales]) => [BigInt(id), sales])),
        dirty: new Set(w.dirty.map((id) => BigInt(id))),
        seen: new Set(w.seen),
      };
    },
  ),
};

/** The late events remembered, by content key; the value orders them (oldest lowest). */
export const LATE_EVENTS: StateDescriptor<string, number> = { name: 'late-events', key: STRING_KEY, value: jsonValue<number>((n) => n, (json) => json as number) };

export class WindowOperator {
  private readonly windows: ValueState<number, WindowState>;
  private readonly lateSeen: ValueState<string, number>;
  /** The number the next late event remembered gets. */
  private lateSequence = 0;
  /** Earliest end of an open window: below it a watermark advance can finalise nothing. */
  private earliestEnd = Number.POSITIVE_INFINITY;

  constructor(
    private readonly assigner: WindowAssigner,
    private readonly trigger: Trigger,
    private readonly allowedLatenessMs: number,
    state: KeyedStateBackend,
  ) {
    this.windows = state.valueState(WINDOWS);
    this.lateSeen = state.valueState(LATE_EVENTS);
  }

  get openWindows(): number {
    return this.windows.size;
  }

  /** Adds the event (its content key `key`) to its windows unless late or a duplicate; `watermark` is the current one. */
  process(e: ShopEvent, key: string, watermark: number): Admission {
    const assigned = this.assigner.assign(e.event_time);
    let open = 0;
    let duplicate = false;
    for (const w of assigned) {
      if (isWindowFinal(w, watermark, this.allowedLatenessMs)) continue;
      open += 1;
      const state = this.stateFor(w);
      if (state.seen.has(key)) {
        duplicate = true;
        continue;
      }
      state.seen.add(key);
      let sales = state.products.get(e.product_id);
      if (!sales) state.products.set(e.product_id, (sales = emptyProductSales()));
      addEvent(sales, e);
      state.dirty.add(e.product_id);
      this.windows.put(w.start, state);
    }
    if (open === 0) return { kind: 'late', window: assigned[assigned.length - 1]!, duplicate: this.seenLate(key) };
    return duplicate ? DUPLICATE : ADDED;
  }

  /** Final results of windows the watermark has passed; their state is freed. */
  onWatermark(watermark: number): readonly WindowResult[] {
    // The watermark moves on nearly every event; a window ends far less often.
    if (watermark < this.earliestEnd + this.allowedLatenessMs) return NO_RESULTS;
    const out: WindowResult[] = [];
    this.earliestEnd = Number.POSITIVE_INFINITY;
    for (const [start, state] of [...this.windows.entries()]) {
      const r = this.trigger.onWatermark(state.window, watermark);
      // Purged state is never touched again, so the final results can hand it over uncopied.
      if (r.fire) for (const [productId, sales] of state.products) out.push({ window: state.window, productId, sales: r.purge ? sales : { ...sales }, isFinal: true });
      if (r.purge) this.windows.delete(start);
      else this.earliestEnd = Math.min(this.earliestEnd, state.window.end);
    }
    return out;
  }

  /** Early results: products changed since the last firing. */
  onProcessingTime(): WindowResult[] {
    const out: WindowResult[] = [];
    for (const [start, state] of this.windows.entries()) {
      if (!this.trigger.onProcessingTime(state.window, state.dirty.size > 0).fire) continue;
      for (const productId of state.dirty) {
        out.push({ window: state.window, productId, sales: { ...state.products.get(productId)! }, isFinal: false });
      }
      state.dirty.clear();
      this.windows.put(start, state);
    }
    return out;
  }

  /** Whether this late event repeats a remembered one; remembers it if not. */
  private seenLate(key: string): boolean {
    if (this.lateSeen.has(key)) return true;
    this.lateSeen.put(key, this.lateSequence++);
    if (this.lateSeen.size > LATE_DEDUP_CAPACITY) this.lateSeen.delete(this.lateSeen.keys().next().value!);
    return false;
  }

  private stateFor(w: Window): WindowState {
    let state = this.windows.get(w.start);
    if (!state) {
      state = { window: w, products: new Map(), dirty: new Set(), seen: new Set() };
      this.earliestEnd = Math.min(this.earliestEnd, w.end);
    }
    return state;
  }

  /** After a restore: the earliest end, and the late events' memory back in its order (oldest first). */
  restored(): void {
    this.earliestEnd = Number.POSITIVE_INFINITY;
    for (const [, state] of this.windows.entries()) this.earliestEnd = Math.min(this.earliestEnd, state.window.end);
    this.lateSeen.sort((a, b) => a[1] - b[1]);
    let newest = -1;
    for (const [, sequence] of this.lateSeen.entries()) newest = sequence;
    this.lateSequence = newest + 1;
  }
}
