// Everything one input partition owns: its watermark, the sales window operator, the session
// operator and the lifetime-value operator, their keyed state in one backend. Pure: events in, rows out; a
// checkpoint takes the state changed since the last one with the next offset.
// A user's events all arrive on one partition (key = user_id), so dedup and lifetime value are
// complete here; sales rows are partial per partition and merged by the store.
import type { StateEntry } from '../core/checkpoint.ts';
import { contentKey, type ShopEvent } from '../core/event.ts';
import type { ClvModelRow, CustomerForecastRow, CustomerRow, LateRow, SalesRow, SessionProductRow, SessionRow } from '../core/result-rows.ts';
import type { OrderHistory } from './clv/customer-summary.ts';
import type { CustomerScore } from './clv/model.ts';
import { scoreCustomer } from './clv/model.ts';
import { forecastRow, observationEnd, summaryOfHistory, type ModelInForce } from './clv/scoring.ts';
import { isAbandoned, type SessionSummary } from './aggregations/session-summary.ts';
import type { EngineOptions } from './defaults.ts';
import type { EventBuffer } from './result-tables.ts';
import { CustomerValueOperator } from './operators/customer-value-operator.ts';
import { SessionOperator } from './operators/session-operator.ts';
import { WindowOperator, type WindowResult } from './operators/window-operator.ts';
import { KeyedStateBackend, type StateSize } from './state/state-backend.ts';
import { earlyAndOnWatermark } from './trigger.ts';
import { BoundedOutOfOrdernessWatermarks } from './watermark.ts';
import { hopping, sessionWindows, tumbling } from './window.ts';

/** Output collector shared by the partitions of one job between two flushes. */
export class Emissions<Events extends EventBuffer = EventBuffer> {
  sales: SalesRow[] = [];
  customers: CustomerRow[] = [];
  late: LateRow[] = [];
  sessions: SessionRow[] = [];
  forecasts: CustomerForecastRow[] = [];
  clvModels: ClvModelRow[] = [];
  /** Ingest time of the newest event included in these emissions (end-to-end latency). */
  newestIngestedAt = 0;

  constructor(readonly events: Events) {}

  get size(): number {
    return this.events.length + this.sales.length + this.customers.length + this.late.length + this.sessions.length + this.forecasts.length + this.clvModels.length;
  }

  /** Empty again, for the next tick: new row arrays (listeners may keep the old ones), the events rows' buffer kept. */
  clear(): void {
    this.events.clear();
    this.sales = [];
    this.customers = [];
    this.late = [];
    this.sessions = [];
    this.forecasts = [];
    this.clvModels = [];
    this.newestIngestedAt = 0;
  }
}

/** The partition's progress outside its keyed state, written with every checkpoint. */
interface PartitionProgress {
  watermark: ReturnType<BoundedOutOfOrdernessWatermarks['snapshot']>;
  /** The users the next firing emits: none right after a firing, when the job checkpoints. */
  pendingCustomers: string[];
}

/** What a checkpoint takes of a partition. */
export interface PartitionCheckpoint {
  nextOffset: number;
  /** The progress outside the keyed state (PartitionProgress), as JSON. */
  progress: string;
  /** The keyed state's entries changed since the last checkpoint, or all of them (a compaction). */
  changes: StateEntry[];
}

export interface PartitionCounters {
  events: number;
  duplicates: number;
  late: number;
}

export class PartitionPipeline {
  /** The next input offset to process; everything before it is in the state. */
  nextOffset = 0;
  private readonly watermarks: BoundedOutOfOrdernessWatermarks;
  private readonly state = new KeyedStateBackend();
  private readonly windows: WindowOperator;
  private readonly customers = new CustomerValueOperator(this.state);
  private readonly sessions: SessionOperator;
  private readonly sessionGapMs: number;
  private newestIngestedAt = 0;
  private readonly closeAllAfterMs: number;
  readonly counters: PartitionCounters = { events: 0, duplicates: 0, late: 0 };
  /** The lifetime-value model each purchase's customer is scored with at the next firing (the job's refits set it). */
  clvModel: ModelInForce | undefined;

  constructor(
    readonly partition: number,
    options: EngineOptions,
  ) {
    this.watermarks = new BoundedOutOfOrdernessWatermarks(options.outOfOrdernessMs);
    this.closeAllAfterMs = options.windowSizeMs + options.allowedLatenessMs;
    const assigner = options.windowSlideMs
      ? hopping(options.windowSizeMs, options.windowSlideMs)
      : tumbling(options.windowSizeMs);
    this.windows = new WindowOperator(assigner, earlyAndOnWatermark(options.allowedLatenessMs), options.allowedLatenessMs, this.state);
    this.sessions = new SessionOperator(sessionWindows(options.sessionGapMs), options.allowedLatenessMs, this.state);
    this.sessionGapMs = options.sessionGapMs;
  }

  get watermark(): number {
    return this.watermarks.current();
  }

  /** The newest event time seen (a backfill's observation end); -Infinity before any. */
  get newestEventTime(): number {
    return this.watermarks.maxTimestamp;
  }

  get openWindows(): number {
    return this.windows.openWindows;
  }

  get customerCount(): number {
    return this.customers.size;
  }

  get openSessions(): number {
    return this.sessions.openSessions;
  }

  get sessionStateBytes(): number {
    return this.sessions.stateBytes;
  }

  /** Processes the event at `offset`; offsets below nextOffset were already processed. */
  process(event: ShopEvent, offset: number, out: Emissions): void {
    if (offset < this.nextOffset) return;
    this.nextOffset = offset + 1;
    this.counters.events += 1;
    out.events.add(event);
    const watermark = this.watermarks.current();
    const content = contentKey(event);
    const admission = this.windows.process(event, content, watermark);
    // Each operator has its own lateness: an event on time for its session counts there even when
    // its window is final. A late_events row says which it missed first.
    const session = this.sessions.process(event, content, offset, watermark);
    if (admission.kind === 'late') {
      this.counters.late += 1;
      out.late.push({ event, windowStart: admission.window.start, watermark, lateFor: 'window' });
    } else if (session === 'late') {
      this.counters.late += 1;
      out.late.push({ event, windowStart: event.event_time, watermark, lateFor: 'session' });
    }
    // A late event counts in lifetime value (which has no window), once: not its exact copies.
    if (admission.kind === 'duplicate' || (admission.kind === 'late' && admission.duplicate)) this.counters.duplicates += 1;
    else {
      this.customers.process(event);
      if (event.ingested_at > this.newestIngestedAt) this.newestIngestedAt = event.ingested_at;
    }
    this.watermarks.onEvent(event.event_time);
    if (this.watermarks.current() > watermark) this.onWatermark(out);
  }

  /** Skips an offset that holds no event (a record of another schema, a tombstone). */
  skip(offset: number): void {
    if (offset >= this.nextOffset) this.nextOffset = offset + 1;
  }

  /** The processing-time tick: early results of dirty windows and changed customers. */
  fireEarly(out: Emissions): void {
    this.emitWindows(this.windows.onProcessingTime(), out);
    const version = this.nextOffset * 2;
    for (const { userId, value } of this.customers.onProcessingTime()) {
      out.customers.push({ userId, ...value, version });
      if (this.clvModel) out.forecasts.push(this.liveForecast(userId, this.clvModel, version));
    }
    if (this.newestIngestedAt > out.newestIngestedAt) out.newestIngestedAt = this.newestIngestedAt;
    this.newestIngestedAt = 0;
  }

  /** Moves the watermark to a given value (idle partitions follow the others). */
  advanceTo(watermark: number, out: Emissions): void {
    if (watermark <= this.watermarks.current()) return;
    this.watermarks.advanceTo(watermark);
    this.onWatermark(out);
  }

  /** The watermark moved: the windows and sessions it made final go out. */
  private onWatermark(out: Emissions): void {
    const watermark = this.watermarks.current();
    this.emitWindows(this.windows.onWatermark(watermark), out);
    for (const s of this.sessions.onWatermark(watermark)) out.sessions.push(this.sessionRow(s));
  }

  private sessionRow(s: SessionSummary): SessionRow {
    const products: SessionProductRow[] = [];
    let productsPurchased = 0;
    let abandonedValueCents = 0;
    for (const [productId, p] of s.products) {
      if (p.purchased) productsPurchased += 1;
      if (p.carts === 0) continue;
      const abandoned = isAbandoned(p);
      const value = abandoned ? p.lastCartPriceCents : 0;
      abandonedValueCents += value;
      products.push({ productId, carts: p.carts, purchased: p.purchased, abandoned, abandonedValueCents: value });
    }
    return {
      userId: s.userId,
      userSession: s.userSession,
      sessionStart: s.window.start,
      sessionEnd: s.window.end - this.sessionGapMs,
      events: s.events,
      views: s.views,
      carts: s.carts,
      removals: s.removals,
      purchases: s.purchases,
      cartValueCents: s.cartValueCents,
      purchaseValueCents: s.purchaseValueCents,
      productsCarted: products.length,
      productsPurchased,
      abandoned: s.carts > 0 && s.purchases === 0,
      abandonedValueCents,
      products,
      sourcePartition: this.partition,
      version: this.nextOffset * 2 + 1,
    };
  }

  /** A customer scored with the model in force, observed at the watermark. */
  private liveForecast(userId: bigint, { model, fittedAt, monthlyDiscount }: ModelInForce, version: number): CustomerForecastRow {
    const history = this.customers.historyOf(userId)!;
    const asOf = observationEnd(history, this.watermarks.current());
    const summary = summaryOfHistory(history, asOf);
    return forecastRow(userId, summary, scoreCustomer(model, summary, { monthlyDiscount }), asOf, fittedAt, this.partition, version);
  }

  /** Every purchasing customer's order history (a refit's input). */
  histories(): Iterable<[bigint, OrderHistory]> {
    return this.customers.histories();
  }

  /**
   * A refit's scores of a customer, observed at `asOf`, from their history as the fit saw it; a
   * customer whose history has changed since is scored again at the next firing instead.
   */
  rescored(userId: bigint, seen: OrderHistory, score: CustomerScore, inForce: ModelInForce, asOf: number, out: Emissions): void {
    if (this.customers.historyOf(userId) !== seen) return this.customers.markChanged(userId);
    out.forecasts.push(forecastRow(userId, summaryOfHistory(seen, asOf), score, asOf, inForce.fittedAt, this.partition, this.nextOffset * 2 + 1));
  }

  /**
   * End of the input so far (backfill): the watermark passes the end of every window seen, so
   * each becomes final and is emitted, and every open session is closed; events after this point
   * continue from there (one inside a closed session is late for it).
   */
  endOfInput(out: Emissions): void {
    const max = this.watermarks.maxTimestamp;
    if (Number.isFinite(max)) this.advanceTo(max + this.closeAllAfterMs, out);
    for (const s of this.sessions.closeAll()) out.sessions.push(this.sessionRow(s));
    this.fireEarly(out);
  }

  private emitWindows(results: readonly WindowResult[], out: Emissions): void {
    for (const r of results) {
      const s = r.sales;
      out.sales.push({
        revenueCents: s.revenueCents,
        purchases: s.purchases,
        views: s.views,
        carts: s.carts,
        removals: s.removals,
        windowStart: r.window.start,
        windowEnd: r.window.end,
        productId: r.productId,
        sourcePartition: this.partition,
        isFinal: r.isFinal,
        version: this.nextOffset * 2 + (r.isFinal ? 1 : 0),
      });
    }
  }

  /** The keyed state's size: its keys, and about how many bytes they take written. */
  stateSize(): StateSize {
    return this.state.size();
  }

  /** The state changed since the last checkpoint (all of it with `compact`) and the progress, in one synchronous step. */
  checkpoint(compact: boolean): PartitionCheckpoint {
    const progress: PartitionProgress = { watermark: this.watermarks.snapshot(), pendingCustomers: this.customers.pending().map(String) };
    return { nextOffset: this.nextOffset, progress: JSON.stringify(progress), changes: compact ? this.state.takeAll() : this.state.takeChanges() };
  }

  /** Takes one entry of the checkpoint being restored; `restored` follows once all are in. */
  restoreEntry(entry: StateEntry): void {
    this.state.restore(entry);
  }

  /** The checkpoint's entries are in: its offset and progress complete the restore. */
  restored(nextOffset: number, progress: string): void {
    const p = JSON.parse(progress) as PartitionProgress;
    this.nextOffset = nextOffset;
    this.watermarks.restore(p.watermark);
    this.customers.restorePending(p.pendingCustomers.map((id) => BigInt(id)));
    this.windows.restored();
    this.sessions.restored();
  }
}
