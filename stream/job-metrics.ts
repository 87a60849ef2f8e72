// The aggregator job's metrics: what it counts as it runs (events in, rows out, rejected rows,
// end-to-end latency, store write and checkpoint durations) and the pipeline health assembled
// from them, the partitions' counters, the combined watermark and the source's lag, for logs and
// the dashboard. Observers (an exporter such as the dashboard's /metrics) hear each count as it
// happens; the engine itself does no I/O for them.
import type { Logger } from '../core/logger.ts';
import type { PartitionCounters, PartitionPipeline, Emissions } from './partition-pipeline.ts';
import { LatencySamples, RateMeter, type PipelineMetrics } from './metrics.ts';

/** Rows a tick wrote, by public table. */
export interface RowsWritten {
  events: number;
  sales_per_product: number;
  customer_lifetime_value: number;
  late_events: number;
  sessions: number;
}

/**
 * What the job reports as it runs, for an exporter outside the engine. Called synchronously
 * from the job's loop: keep it cheap; an observer that throws is logged and ignored.
 */
export interface JobObserver {
  /** A batch went into the pipelines: events processed, of which exact duplicates and late ones. */
  processed?(counts: PartitionCounters): void;
  /** A tick wrote output: rows by table, rejected rows (those the store refused included), and how long the store write took. */
  written?(counts: { rows: RowsWritten; rejected: number; storeMs: number }): void;
  /** End-to-end latency of a tick's output: from the connector reading its newest event to the emission. */
  latency?(ms: number): void;
  /** A checkpoint was taken and written (snapshot and write time). */
  checkpointed?(ms: number): void;
}

export class JobMetrics {
  private readonly latency = new LatencySamples();
  private readonly rateIn: RateMeter;
  private readonly rateOut: RateMeter;
  private rejectedTotal = 0;
  private readonly observers = new Set<JobObserver>();

  constructor(
    now: () => number,
    private readonly logger: Logger,
  ) {
    this.rateIn = new RateMeter(now);
    this.rateOut = new RateMeter(now);
  }

  /** Adds an observer; answers the function that removes it. */
  observe(observer: JobObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private notify(call: (observer: JobObserver) => void): void {
    for (const observer of this.observers) {
      try {
        call(observer);
      } catch (err) {
        this.logger.warn({ err }, 'a metrics observer failed; ignored');
      }
    }
  }

  /** A batch put `counts.events` events into the pipelines. */
  processed(counts: PartitionCounters): void {
    this.rateIn.mark(counts.events);
    this.notify((o) => o.processed?.(counts));
  }

  /** A tick wrote `out` and `rejected` rejected rows (those the store refused included) in `storeMs`. */
  written(out: Emissions, rejected: number, storeMs: number): void {
    this.rejectedTotal += rejected;
    this.rateOut.mark(out.sales.length + out.customers.length);
    // A tick without output (most of them when input is quiet) is no store write worth reporting.
    if (out.size + rejected > 0) {
      const rows = { events: out.events.length, sales_per_product: out.sales.length, customer_lifetime_value: out.customers.length, late_events: out.late.length, sessions: out.sessions.length };
      this.notify((o) => o.written?.({ rows, rejected, storeMs }));
    }
    if (out.sales.length + out.customers.length > 0 && out.newestIngestedAt > 0) {
      const ms = Date.now() - out.newestIngestedAt;
      this.latency.add(ms);
      this.notify((o) => o.latency?.(ms));
    }
  }

  /** A checkpoint took `ms` to take and write. */
  checkpointed(ms: number): void {
    this.notify((o) => o.checkpointed?.(ms));
  }

  health(pipelines: Iterable<PartitionPipeline>, watermark: number, consumerLag: Record<string, number>): Omit<PipelineMetrics, 'clv'> {
    let events = 0;
    let duplicates = 0;
    let late = 0;
    let openWindows = 0;
    let customers = 0;
    let openSessions = 0;
    let sessionStateBytes = 0;
    let stateKeys = 0;
    let stateBytes = 0;
    for (const p of pipelines) {
      openSessions += p.openSessions;
      sessionStateBytes += p.sessionStateBytes;
      const size = p.stateSize();
      stateKeys += size.keys;
      stateBytes += size.bytes;
      events += p.counters.events;
      duplicates += p.counters.duplicates;
      late += p.counters.late;
      openWindows += p.openWindows;
      customers += p.customerCount;
    }
    const finite = Number.isFinite(watermark);
    return {
      consumerLag,
      watermark: finite ? watermark : null,
      watermarkDelayMs: finite ? Date.now() - watermark : null,
      eventsInPerSecond: this.rateIn.perSecond(),
      rowsOutPerSecond: this.rateOut.perSecond(),
      eventsTotal: events,
      duplicatesTotal: duplicates,
      lateTotal: late,
      rejectedTotal: this.rejectedTotal,
      openWindows,
      customers,
      openSessions,
      sessionStateBytes,
      stateKeys,
      stateBytes,
      latencyMs: { p50: this.latency.percentile(50), p99: this.latency.percentile(99), samples: this.latency.count },
    };
  }
}
