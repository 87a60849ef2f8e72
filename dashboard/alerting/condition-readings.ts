// What the integrator measures for the conditions, and the one pure function that turns those
// readings into the active series of a condition: like a Prometheus expression, it yields one
// (labels, value) per active instance, and nothing while the condition holds nowhere. A reading
// left out (no forecast yet, no sessions yet) makes its conditions inactive.
import type { ComponentsView } from '../../core/component-status.ts';
import type { Condition } from './conditions.ts';

export type Labels = Readonly<Record<string, string>>;

/** One instance of an active condition. */
export interface ActiveSeries {
  labels: Labels;
  value: number;
}

/** Counts over a trailing window ending now (the window is the condition's parameter). */
export type WindowCounts<K extends string> = (windowMs: number) => Readonly<Record<K, number>> | undefined;

/** A complete hour of event time beside its forecast. */
export interface HourAgainstForecast {
  hourStartMs: number;
  revenue: number;
  lo80: number;
  lo95: number;
}

export interface ConditionReadings {
  /** Complete files waiting in the inbox. */
  inboxFilesWaiting?: number;
  /** Rows the connector ingested since the previous evaluation. */
  rowsIngestedSincePrevious?: number;
  /** The aggregator's consumer lag now and at the previous evaluation (messages). */
  consumerLag?: { now: number; previous: number };
  /** Each component's status, as /api/health shows it. */
  components?: ComponentsView;
  /** Checkpoint writes failed in a row (0 once one succeeds). */
  checkpointFailuresInARow?: number;
  /** Rows read (valid or not) and, of those, rows rejected over the window. */
  rowsOver?: WindowCounts<'rows' | 'rejected'>;
  /** The end-to-end latency's p99 in milliseconds (undefined before the first row). */
  e2eP99Ms?: number;
  /** The complete hours of event time with their forecast, oldest first. */
  hoursAgainstForecast?: readonly HourAgainstForecast[];
  /** Sessions that ended with a cart and, of those, abandoned ones (no purchase) over the window. */
  sessionsOver?: WindowCounts<'carted' | 'abandoned'>;
}

const NONE: readonly ActiveSeries[] = [];

function when(active: boolean, value: number): readonly ActiveSeries[] {
  return active ? [{ labels: {}, value }] : NONE;
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

function componentsIn(state: 'retrying' | 'failed', readings: ConditionReadings, only: string | undefined): readonly ActiveSeries[] {
  const all = Object.entries(readings.components ?? {});
  return all
    .filter(([name, view]) => view.state === state && (only === undefined || name === only))
    .map(([name]) => ({ labels: { component: name }, value: 1 }));
}

/** The active series of `condition` for these readings; the value is what the summary shows. */
export function evaluateCondition(condition: Condition, readings: ConditionReadings): readonly ActiveSeries[] {
  switch (condition.type) {
    case 'ingest_stalled': {
      const waiting = readings.inboxFilesWaiting ?? 0;
      return when(waiting > 0 && readings.rowsIngestedSincePrevious === 0, waiting);
    }
    case 'consumer_lag_growing': {
      const lag = readings.consumerLag;
      return lag ? when(lag.now > lag.previous, lag.now) : NONE;
    }
    case 'component_retrying':
      return componentsIn('retrying', readings, condition.component);
    case 'component_failed':
      return componentsIn('failed', readings, condition.component);
    case 'checkpoint_failing': {
      const failures = readings.checkpointFailuresInARow ?? 0;
      return when(failures > 0, failures);
    }
    case 'rejected_ratio_above': {
      const counts = readings.rowsOver?.(condition.windowMs);
      if (!counts) return NONE;
      const r = ratio(counts.rejected, counts.rows);
      return when(r > condition.threshold, r);
    }
    case 'e2e_p99_above': {
      const p99 = readings.e2eP99Ms;
      return p99 === undefined ? NONE : when(p99 > condition.ms, p99);
    }
    case 'revenue_below_forecast': {
      const latest = (readings.hoursAgainstForecast ?? []).slice(-condition.hours);
      const below = latest.length === condition.hours && latest.every((h) => h.revenue < h[condition.bound]);
      return when(below, latest.at(-1)?.revenue ?? 0);
    }
    case 'abandonment_rate_above': {
      const counts = readings.sessionsOver?.(condition.windowMs);
      if (!counts) return NONE;
      const r = ratio(counts.abandoned, counts.carted);
      return when(r > condition.threshold, r);
    }
  }
}
