// How far has event time got? Per partition: the highest event time seen minus the bounded
// out-of-orderness. Across partitions: the minimum, where a partition idle for longer than the
// idleness timeout (processing time) does not hold the others back.
import { END_OF_INPUT, NO_WATERMARK, type Clock, type EventTime, type Watermark } from './time.ts';

/** One partition's generator: watermark = max event time - bound. */
export class BoundedOutOfOrdernessWatermarks {
  private maxEventTime: EventTime = NO_WATERMARK;
  /** Set by advanceTo (end of input, idleness): the watermark never goes below it. */
  private floor: Watermark = NO_WATERMARK;

  constructor(readonly boundMs: number) {
    if (!(boundMs >= 0)) throw new RangeError(`out-of-orderness bound must be >= 0, got ${boundMs}`);
  }

  onEvent(time: EventTime): void {
    if (time > this.maxEventTime) this.maxEventTime = time;
  }

  advanceTo(watermark: Watermark): void {
    if (watermark > this.floor) this.floor = watermark;
  }

  current(): Watermark {
    return Math.max(this.maxEventTime - this.boundMs, this.floor);
  }

  /** JSON has no infinities: null stands for "none yet", 'end' for the end of input. */
  snapshot(): { maxEventTime: number | null; floor: number | 'end' | null } {
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    return { maxEventTime: finite(this.maxEventTime), floor: this.floor === END_OF_INPUT ? 'end' : finite(this.floor) };
  }

  restore(s: { maxEventTime: number | null; floor: number | 'end' | null }): void {
    this.maxEventTime = s.maxEventTime ?? NO_WATERMARK;
    this.floor = s.floor === 'end' ? END_OF_INPUT : (s.floor ?? NO_WATERMARK);
  }

  /** The highest event time seen (NO_WATERMARK before the first event). */
  get maxTimestamp(): EventTime {
    return this.maxEventTime;
  }
}

interface PartitionProgress {
  watermark: Watermark;
  lastEventAt: number;
}

/**
 * The combined view over partitions: minimum of the active partitions' watermarks. Partitions
 * report after every batch; one that has not seen an event for `idleTimeoutMs` is idle (and
 * starts that timeout again when another idle partition sees events).
 */
export class WatermarkTracker {
  private readonly partitions = new Map<string, PartitionProgress>();

  constructor(
    private readonly clock: Clock,
    readonly idleTimeoutMs: number,
  ) {}

  report(partition: string, watermark: Watermark, sawEvents: boolean): void {
    // A partition that sees events after being idle means data flows again (after a broker
    // outage, a gap between files): the other idle partitions' data may come in the same fetch or
    // the next, and floored to this one's watermark meanwhile it would be late. They get a fresh
    // idle timeout instead; one that stays without events is idle again after it.
    if (sawEvents && this.isIdle(partition)) {
      for (const [name, other] of this.partitions) if (this.isIdle(name)) other.lastEventAt = this.clock.now();
    }
    const p = this.partitions.get(partition);
    if (!p) this.partitions.set(partition, { watermark, lastEventAt: this.clock.now() });
    else {
      p.watermark = watermark;
      if (sawEvents) p.lastEventAt = this.clock.now();
    }
  }

  remove(partition: string): void {
    this.partitions.delete(partition);
  }

  isIdle(partition: string): boolean {
    const p = this.partitions.get(partition);
    return p !== undefined && this.idleTimeoutMs > 0 && this.clock.now() - p.lastEventAt >= this.idleTimeoutMs;
  }

  /** Minimum over active partitions; if every partition is idle, the minimum over all. */
  combined(): Watermark {
    let active = END_OF_INPUT;
    let all = END_OF_INPUT;
    let anyActive = false;
    for (const [name, p] of this.partitions) {
      all = Math.min(all, p.watermark);
      if (!this.isIdle(name)) {
        anyActive = true;
        active = Math.min(active, p.watermark);
      }
    }
    if (this.partitions.size === 0) return NO_WATERMARK;
    return anyActive ? active : all;
  }
}
