// The named conditions a rule can test, with their parameters: a fixed catalogue (as Grafana's
// alert conditions are) rather than a query language, so that each one is checked at start-up and
// evaluated by code that knows what it reads. Each belongs to one clock: pipeline conditions to
// wall-clock time, business ones to event time (so a replay alerts as the live system would have).
import type { FieldReader } from './fields.ts';

export type RuleKind = 'pipeline' | 'business';
export const RULE_KINDS: readonly RuleKind[] = ['pipeline', 'business'];

export type ForecastBound = 'lo80' | 'lo95';

export type Condition =
  /** Inbox files wait but no row was ingested since the previous evaluation. */
  | { type: 'ingest_stalled' }
  /** The consumer lag is higher than at the previous evaluation. */
  | { type: 'consumer_lag_growing' }
  /** A component (or the named one) is `retrying`; one alert per component. */
  | { type: 'component_retrying'; component?: string }
  /** A component (or the named one) is `failed`; one alert per component. */
  | { type: 'component_failed'; component?: string }
  /** The latest checkpoint write failed. */
  | { type: 'checkpoint_failing' }
  /** Rejected rows are above `threshold` (a fraction) of the rows received over `windowMs`. */
  | { type: 'rejected_ratio_above'; threshold: number; windowMs: number }
  /** The end-to-end latency's p99 is above `ms`. */
  | { type: 'e2e_p99_above'; ms: number }
  /** Each of the latest `hours` complete hours' revenue is below the forecast's `bound`. */
  | { type: 'revenue_below_forecast'; bound: ForecastBound; hours: number }
  /** Abandoned sessions are above `threshold` (a fraction) of the sessions with a cart that ended over `windowMs`. */
  | { type: 'abandonment_rate_above'; threshold: number; windowMs: number };

export type ConditionType = Condition['type'];

interface ConditionSpec {
  kind: RuleKind;
  params: readonly string[];
  read(fields: FieldReader): Condition;
}

const HOUR_MS = 3_600_000;

const CONDITIONS: { readonly [T in ConditionType]: ConditionSpec } = {
  ingest_stalled: { kind: 'pipeline', params: [], read: () => ({ type: 'ingest_stalled' }) },
  consumer_lag_growing: { kind: 'pipeline', params: [], read: () => ({ type: 'consumer_lag_growing' }) },
  component_retrying: { kind: 'pipeline', params: ['component'], read: (f) => withComponent({ type: 'component_retrying' }, f) },
  component_failed: { kind: 'pipeline', params: ['component'], read: (f) => withComponent({ type: 'component_failed' }, f) },
  checkpoint_failing: { kind: 'pipeline', params: [], read: () => ({ type: 'checkpoint_failing' }) },
  rejected_ratio_above: {
    kind: 'pipeline',
    params: ['threshold', 'window'],
    read: (f) => ({ type: 'rejected_ratio_above', threshold: f.number('threshold', 0, 1), windowMs: f.durationMs('window', 15 * 60_000) }),
  },
  e2e_p99_above: { kind: 'pipeline', params: ['ms'], read: (f) => ({ type: 'e2e_p99_above', ms: f.number('ms', 0, 86_400_000) }) },
  revenue_below_forecast: {
    kind: 'business',
    params: ['bound', 'hours'],
    read: (f) => ({ type: 'revenue_below_forecast', bound: f.oneOf('bound', ['lo80', 'lo95'], 'lo95'), hours: f.integer('hours', 1, 168, 2) }),
  },
  abandonment_rate_above: {
    kind: 'business',
    params: ['threshold', 'window'],
    read: (f) => ({ type: 'abandonment_rate_above', threshold: f.number('threshold', 0, 1), windowMs: f.durationMs('window', HOUR_MS) }),
  },
};

export const CONDITION_TYPES = Object.keys(CONDITIONS) as ConditionType[];

function withComponent<C extends { type: 'component_retrying' | 'component_failed' }>(base: C, f: FieldReader): C & { component?: string } {
  const component = f.optionalString('component');
  return component === undefined ? base : { ...base, component };
}

/** The clock a condition is evaluated on. */
export function conditionKind(condition: Condition): RuleKind {
  return CONDITIONS[condition.type].kind;
}

/** Reads `condition: { type: ..., <params> }`. */
export function readCondition(fields: FieldReader): Condition {
  const type = fields.oneOf('type', CONDITION_TYPES);
  const spec = CONDITIONS[type];
  fields.onlyKnown(['type', ...spec.params]);
  return spec.read(fields);
}
