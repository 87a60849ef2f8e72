// What the dashboard sees of the aggregator: its emissions, its counts and its metrics, the
// same whether it is one job or a supervisor that replaces failed jobs.
import type { CustomerRow, SalesRow, SessionRow } from '../core/result-rows.ts';
import type { JobObserver } from './job-metrics.ts';
import type { PipelineMetrics } from './metrics.ts';

/** What a tick emitted: the live dashboard listens to these. */
export interface EmissionUpdate {
  sales: SalesRow[];
  customers: CustomerRow[];
  /** The sessions that closed. */
  sessions: SessionRow[];
  emittedAt: number;
}
export type EmissionListener = (update: EmissionUpdate) => void;

/** What the dashboard needs of the aggregator: a job, or a supervisor that replaces failed jobs. */
export interface JobView {
  onEmission(listener: EmissionListener): () => void;
  /** Counts and durations as they happen (see JobObserver); answers the function that removes the observer. */
  observe(observer: JobObserver): () => void;
  metrics(): PipelineMetrics;
}
