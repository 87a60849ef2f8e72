// The aggregator job's metrics: what it counts as it runs (events in, rows out, rejected rows,
// end-to-end latency) and the pipeline health assembled from them, the partitions' counters,
// the combined watermark and the source's lag, for logs and the dashboard.
import type { PartitionPipeline, Emissions } from './partition-pipeline.ts';
import { LatencySamples, RateMeter, type PipelineMetrics } from './metrics.ts';

export class JobMetrics {
  private readonly latency = new LatencySamples();
  private readonly rateIn: RateMeter;
  private readonly rateOut: RateMeter;
  private rejectedTotal = 0;

  constructor(now: () => number) {
    this.rateIn = new RateMeter(now);
    this.rateOut = new RateMeter(now);
  }

  /** A batch put `events` events into the pipelines. */
  eventsIn(events: number): void {
    this.rateIn.mark(events);
  }

  /** A tick wrote `out` and `rejected` rejected rows (those the store refused included). */
  written(out: Emissions, rejected: number): void {
    this.rejectedTotal += rejected;
    this.rateOut.mark(out.sales.length + out.customers.length);
    if (out.sales.length + out.customers.length > 0 && out.newestIngestedAt > 0) this.latency.add(Date.now() - out.newestIngestedAt);
  }

  health(pipelines: Iterable<PartitionPipeline>, watermark: number, consumerLag: Record<string, number>): PipelineMetrics {
    let events = 0;
    let duplicates = 0;
    let late = 0;
    let openWindows = 0;
    let customers = 0;
    for (const p of pipelines) {
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
      latencyMs: { p50: this.latency.percentile(50), p99: this.latency.percentile(99), samples: this.latency.count },
    };
  }
}
