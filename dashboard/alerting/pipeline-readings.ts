// The readings of the pipeline rules, taken on the wall clock from what the process already
// measures: the connector's totals and inbox backlog, the aggregator's consumer lag, latency and
// checkpoints, and each component's status. It keeps what a reading needs of earlier
// evaluations (the previous totals and lag, a trailing hour of row counts).
import type { ComponentsView } from '../../core/component-status.ts';
import type { ConditionReadings } from './condition-readings.ts';
import type { ConnectorMetricsSource } from '../routes/metrics.ts';
import type { JobView } from '../../stream/job-view.ts';

export interface PipelineSources {
  connector?: ConnectorMetricsSource;
  job?: JobView;
  components?: () => ComponentsView;
}

interface RowSample {
  atMs: number;
  /** Rows read (ingested or rejected) and rejected, since the connector started. */
  rows: number;
  rejected: number;
}

/** How long row samples are kept: the longest rejected-ratio window a rule may ask for is answered from them. */
const SAMPLES_KEPT_MS = 24 * 3_600_000;

/** The aggregator retries a checkpoint write (stream/retry.ts names the write it retries in the reason). */
const CHECKPOINT_RETRY = /^checkpoint failed/;

export class PipelineReadings {
  private previousRows: number | undefined;
  private previousLag: number | undefined;
  private readonly samples: RowSample[] = [];
  private checkpointFailures = 0;
  private readonly unobserve: (() => void) | undefined;

  constructor(private readonly sources: PipelineSources) {
    this.unobserve = sources.job?.observe({ checkpointed: () => (this.checkpointFailures = 0) });
  }

  /** Evaluations that found a checkpoint write retried since one last succeeded. */
  checkpointFailuresInARow(): number {
    return this.checkpointFailures;
  }

  close(): void {
    this.unobserve?.();
  }

  async read(nowMs: number): Promise<ConditionReadings> {
    const { connector, job, components } = this.sources;
    const readings: ConditionReadings = {};
    const statuses = components?.();
    if (statuses) {
      readings.components = statuses;
      const aggregator = statuses.aggregator;
      if (aggregator?.state === 'retrying' && CHECKPOINT_RETRY.test(aggregator.reason ?? '')) this.checkpointFailures += 1;
      readings.checkpointFailuresInARow = this.checkpointFailures;
    }
    if (connector) {
      const totals = connector.totals();
      readings.inboxFilesWaiting = await connector.backlog();
      readings.rowsIngestedSincePrevious = this.previousRows === undefined ? undefined : totals.rowsIngested - this.previousRows;
      this.previousRows = totals.rowsIngested;
      this.samples.push({ atMs: nowMs, rows: totals.rowsIngested + totals.rowsRejected, rejected: totals.rowsRejected });
      while (this.samples.length > 1 && this.samples[0]!.atMs < nowMs - SAMPLES_KEPT_MS) this.samples.shift();
      readings.rowsOver = (windowMs) => this.rowsOver(nowMs, windowMs);
    }
    if (job) {
      const metrics = job.metrics();
      const lag = Object.values(metrics.consumerLag).reduce((n, l) => n + l, 0);
      if (this.previousLag !== undefined) readings.consumerLag = { now: lag, previous: this.previousLag };
      this.previousLag = lag;
      if (metrics.latencyMs.p99 !== null) readings.e2eP99Ms = metrics.latencyMs.p99;
    }
    return readings;
  }

  /** The rows read and rejected since the oldest sample inside the window. */
  private rowsOver(nowMs: number, windowMs: number): { rows: number; rejected: number } | undefined {
    const latest = this.samples.at(-1);
    const first = this.samples.find((s) => s.atMs >= nowMs - windowMs);
    if (!latest || !first) return undefined;
    return { rows: latest.rows - first.rows, rejected: latest.rejected - first.rejected };
  }
}
