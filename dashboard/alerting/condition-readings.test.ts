import { describe, expect, it } from 'vitest';
import { evaluateCondition, type ConditionReadings } from './condition-readings.ts';
import type { Condition } from './conditions.ts';

const HOUR = 3_600_000;
const at = (readings: ConditionReadings) => (c: Condition) => evaluateCondition(c, readings);

describe('conditions over readings', () => {
  it('ingest stalls only with files waiting and no row since the previous evaluation', () => {
    const stalled = { type: 'ingest_stalled' } as const;
    expect(at({ inboxFilesWaiting: 2, rowsIngestedSincePrevious: 0 })(stalled)).toEqual([{ labels: {}, value: 2 }]);
    expect(at({ inboxFilesWaiting: 2, rowsIngestedSincePrevious: 10 })(stalled)).toEqual([]);
    expect(at({ inboxFilesWaiting: 0, rowsIngestedSincePrevious: 0 })(stalled)).toEqual([]);
    expect(at({})(stalled)).toEqual([]);
  });

  it('gives one series per component in the state, or the named one only', () => {
    const components = {
      connector: { state: 'retrying', since: '2024-05-01T10:00:00Z' },
      aggregator: { state: 'retrying', since: '2024-05-01T10:00:00Z' },
      http: { state: 'failed', since: '2024-05-01T10:00:00Z' },
    } as const;
    expect(at({ components })({ type: 'component_retrying' }).map((s) => s.labels.component)).toEqual(['connector', 'aggregator']);
    expect(at({ components })({ type: 'component_retrying', component: 'aggregator' }).map((s) => s.labels.component)).toEqual(['aggregator']);
    expect(at({ components })({ type: 'component_failed' })).toEqual([{ labels: { component: 'http' }, value: 1 }]);
  });

  it('reads windowed counts for the condition\'s own window', () => {
    const windows: number[] = [];
    const readings: ConditionReadings = { rowsOver: (w) => (windows.push(w), { rows: 1_000, rejected: 11 }), sessionsOver: () => ({ carted: 10, abandoned: 9 }) };
    expect(at(readings)({ type: 'rejected_ratio_above', threshold: 0.01, windowMs: 900_000 })).toEqual([{ labels: {}, value: 0.011 }]);
    expect(at(readings)({ type: 'rejected_ratio_above', threshold: 0.02, windowMs: 60_000 })).toEqual([]);
    expect(windows).toEqual([900_000, 60_000]);
    expect(at(readings)({ type: 'abandonment_rate_above', threshold: 0.85, windowMs: HOUR })).toEqual([{ labels: {}, value: 0.9 }]);
    expect(at({ sessionsOver: () => ({ carted: 0, abandoned: 0 }) })({ type: 'abandonment_rate_above', threshold: 0.85, windowMs: HOUR })).toEqual([]);
  });

  it('revenue is below the forecast only when each of the latest hours is below the bound', () => {
    const hour = (i: number, revenue: number) => ({ hourStartMs: i * HOUR, revenue, lo80: 90, lo95: 80 });
    const drop = { type: 'revenue_below_forecast', bound: 'lo95', hours: 2 } as const;
    expect(at({ hoursAgainstForecast: [hour(0, 100), hour(1, 70), hour(2, 60)] })(drop)).toEqual([{ labels: {}, value: 60 }]);
    expect(at({ hoursAgainstForecast: [hour(0, 70), hour(1, 85), hour(2, 60)] })(drop)).toEqual([]);
    expect(at({ hoursAgainstForecast: [hour(0, 70), hour(1, 85)] })({ ...drop, bound: 'lo80' })).toEqual([{ labels: {}, value: 85 }]);
    expect(at({ hoursAgainstForecast: [hour(0, 10)] })(drop)).toEqual([]);
  });

  it('lag grows, p99 and checkpoints compare against their bounds', () => {
    expect(at({ consumerLag: { now: 120, previous: 100 } })({ type: 'consumer_lag_growing' })).toEqual([{ labels: {}, value: 120 }]);
    expect(at({ consumerLag: { now: 100, previous: 100 } })({ type: 'consumer_lag_growing' })).toEqual([]);
    expect(at({ e2eP99Ms: 5_001 })({ type: 'e2e_p99_above', ms: 5_000 })).toEqual([{ labels: {}, value: 5_001 }]);
    expect(at({ e2eP99Ms: 5_000 })({ type: 'e2e_p99_above', ms: 5_000 })).toEqual([]);
    expect(at({ checkpointFailuresInARow: 2 })({ type: 'checkpoint_failing' })).toEqual([{ labels: {}, value: 2 }]);
    expect(at({ checkpointFailuresInARow: 0 })({ type: 'checkpoint_failing' })).toEqual([]);
  });
});
