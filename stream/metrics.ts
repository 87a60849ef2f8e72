// Pipeline health for logs and the dashboard: lag, watermark and its delay, rates, late and
// rejected counts, end-to-end latency percentiles.
export interface PipelineMetrics {
  consumerLag: Record<string, number>;
  watermark: number | null;
  watermarkDelayMs: number | null;
  eventsInPerSecond: number;
  rowsOutPerSecond: number;
  eventsTotal: number;
  duplicatesTotal: number;
  lateTotal: number;
  rejectedTotal: number;
  openWindows: number;
  customers: number;
  openSessions: number;
  /** About how many bytes the sessions (open, and closed ones still remembered) take written. */
  sessionStateBytes: number;
  /** Keys of the keyed state, and about how many bytes they take written. */
  stateKeys: number;
  stateBytes: number;
  latencyMs: { p50: number | null; p99: number | null; samples: number };
  /** The lifetime-value model in force (its observation end, epoch ms), refits so far, and why the last one failed. */
  clv: { modelFittedAt: number | null; refits: number; lastFailure: string | null };
}

/** Keeps the last N samples; percentiles over them. */
export class LatencySamples {
  private readonly samples: number[] = [];
  constructor(private readonly capacity = 1000) {}

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  percentile(p: number): number | null {
    if (this.samples.length === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  }

  get count(): number {
    return this.samples.length;
  }
}

/** Events per second over a sliding interval. */
export class RateMeter {
  private count = 0;
  private since: number;
  private last = 0;
  constructor(private readonly now: () => number) {
    this.since = now();
  }
  mark(n: number): void {
    this.count += n;
  }
  perSecond(): number {
    const t = this.now();
    const elapsed = t - this.since;
    if (elapsed >= 1000) {
      this.last = (this.count * 1000) / elapsed;
      this.count = 0;
      this.since = t;
    }
    return Math.round(this.last);
  }
}
