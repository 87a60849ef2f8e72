// The rules that run when no rules file says otherwise (issue 26's list). A rules file overrides
// them by name and adds its own; `use_defaults: false` drops them (rules-file.ts).
import { DEFAULT_REPEAT_INTERVAL_MS, type AlertRule } from './rule.ts';

const MINUTE = 60_000;

function rule(r: Omit<AlertRule, 'keepFiringForMs' | 'repeatIntervalMs'> & Partial<AlertRule>): AlertRule {
  return { keepFiringForMs: 0, repeatIntervalMs: DEFAULT_REPEAT_INTERVAL_MS, ...r };
}

export const DEFAULT_RULES: readonly AlertRule[] = [
  rule({
    name: 'ingest-stalled',
    kind: 'pipeline',
    condition: { type: 'ingest_stalled' },
    forMs: 2 * MINUTE,
    labels: { severity: 'critical' },
    annotations: { summary: '{{ $value }} inbox files wait and no row was ingested for 2 minutes' },
  }),
  rule({
    name: 'consumer-lag-growing',
    kind: 'pipeline',
    condition: { type: 'consumer_lag_growing' },
    forMs: 5 * MINUTE,
    labels: { severity: 'warning' },
    annotations: { summary: 'the aggregator falls behind: consumer lag grew for 5 minutes, now {{ $value }} messages' },
  }),
  rule({
    name: 'component-retrying',
    kind: 'pipeline',
    condition: { type: 'component_retrying' },
    forMs: MINUTE,
    labels: { severity: 'warning' },
    annotations: { summary: 'component {{ $labels.component }} has been retrying for more than a minute' },
  }),
  rule({
    name: 'component-failed',
    kind: 'pipeline',
    condition: { type: 'component_failed' },
    forMs: 0,
    labels: { severity: 'critical' },
    annotations: { summary: 'component {{ $labels.component }} failed' },
  }),
  rule({
    name: 'checkpoint-failing',
    kind: 'pipeline',
    condition: { type: 'checkpoint_failing' },
    forMs: 0,
    labels: { severity: 'critical' },
    annotations: { summary: 'checkpoint writes fail ({{ $value }} in a row)' },
  }),
  rule({
    name: 'rejected-rows-high',
    kind: 'pipeline',
    condition: { type: 'rejected_ratio_above', threshold: 0.01, windowMs: 15 * MINUTE },
    forMs: 0,
    labels: { severity: 'warning' },
    annotations: { summary: 'rejected rows are {{ $value }} of the rows over 15 minutes (above 0.01)' },
  }),
  rule({
    name: 'e2e-latency-high',
    kind: 'pipeline',
    condition: { type: 'e2e_p99_above', ms: 5_000 },
    forMs: 5 * MINUTE,
    labels: { severity: 'warning' },
    annotations: { summary: 'end-to-end p99 latency is {{ $value }} ms, above 5000 ms for 5 minutes' },
  }),
  rule({
    name: 'revenue-below-forecast',
    kind: 'business',
    condition: { type: 'revenue_below_forecast', bound: 'lo95', hours: 2 },
    forMs: 0,
    labels: { severity: 'warning' },
    annotations: { summary: 'hourly revenue ({{ $value }} in the latest hour) is below the forecast\'s 95 % lower bound for 2 hours in a row' },
  }),
  rule({
    name: 'cart-abandonment-high',
    kind: 'business',
    condition: { type: 'abandonment_rate_above', threshold: 0.85, windowMs: 60 * MINUTE },
    forMs: 0,
    labels: { severity: 'warning' },
    annotations: { summary: 'cart abandonment is {{ $value }} of the sessions with a cart over the latest hour (above 0.85)' },
  }),
];
