import { describe, expect, it } from 'vitest';
import type { ActiveSeries } from './condition-readings.ts';
import { evaluateRule, type AlertChange, type Notification, type RuleAlerts } from './rule-evaluation.ts';
import type { AlertRule } from './rule.ts';
import { isSilenced } from './silences.ts';

const MIN = 60_000;

const RULE: AlertRule = {
  name: 'ingest-stalled',
  kind: 'pipeline',
  condition: { type: 'ingest_stalled' },
  forMs: 2 * MIN,
  keepFiringForMs: 0,
  labels: { severity: 'critical' },
  annotations: { summary: '{{ $value }} files wait' },
  repeatIntervalMs: 60 * MIN,
};

interface Run {
  changes: (Pick<AlertChange, 'state' | 'value'> & { at: number })[];
  notifications: (Notification & { at: number })[];
}

/**
 * Evaluates `rule` every `stepMs` from 0 to `untilMs`; `active(t)` gives the condition's value
 * at t, or undefined while it does not hold.
 */
function run(rule: AlertRule, untilMs: number, stepMs: number, active: (t: number) => number | undefined, silencedAt: (t: number) => boolean = () => false): Run {
  let alerts: RuleAlerts = new Map();
  const out: Run = { changes: [], notifications: [] };
  for (let t = 0; t <= untilMs; t += stepMs) {
    const v = active(t);
    const series: ActiveSeries[] = v === undefined ? [] : [{ labels: {}, value: v }];
    const step = evaluateRule(rule, alerts, t, series, silencedAt(t));
    alerts = step.alerts;
    out.changes.push(...step.changes.map((c) => ({ state: c.state, value: c.value, at: t })));
    if (step.notification) out.notifications.push({ ...step.notification, at: t });
  }
  return out;
}

const during = (from: number, to: number, value = 3) => (t: number) => (t >= from && t < to ? value : undefined);

describe('an alert rule evaluated over time', () => {
  it('never fires for a blip shorter than `for`', () => {
    const r = run(RULE, 10 * MIN, 15_000, during(MIN, MIN + 105_000));
    expect(r.changes).toEqual([
      { state: 'pending', value: 3, at: MIN },
      { state: 'inactive', value: 3, at: MIN + 105_000 },
    ]);
    expect(r.notifications).toEqual([]);
  });

  it('goes pending, fires once active for `for`, resolves when it clears, notifying both', () => {
    const r = run(RULE, 10 * MIN, 15_000, during(MIN, 5 * MIN));
    expect(r.changes).toEqual([
      { state: 'pending', value: 3, at: MIN },
      { state: 'firing', value: 3, at: 3 * MIN },
      { state: 'resolved', value: 3, at: 5 * MIN },
    ]);
    expect(r.notifications.map((n) => [n.at, n.alerts.map((a) => [a.status, a.startsAtMs, a.endsAtMs, a.annotations.summary])])).toEqual([
      [3 * MIN, [['firing', 3 * MIN, undefined, '3 files wait']]],
      [5 * MIN, [['resolved', 3 * MIN, 5 * MIN, '3 files wait']]],
    ]);
    expect(r.notifications[0]!.alerts[0]!.labels).toEqual({ severity: 'critical', alertname: 'ingest-stalled' });
  });

  it('fires at the first evaluation when `for` is 0', () => {
    const r = run({ ...RULE, forMs: 0 }, 2 * MIN, MIN, during(MIN, 2 * MIN));
    expect(r.changes.map((c) => [c.state, c.at])).toEqual([
      ['firing', MIN],
      ['resolved', 2 * MIN],
    ]);
  });

  it('keeps firing for `keep_firing_for` after the condition clears, and through a short gap', () => {
    const rule = { ...RULE, forMs: 0, keepFiringForMs: 3 * MIN };
    // Active at 2 and 4 min: the gap at 3 min is bridged; cleared from 5 min, so resolved at 8 min.
    const gap = run(rule, 20 * MIN, MIN, (t) => (t === 2 * MIN || t === 4 * MIN ? 1 : undefined));
    expect(gap.changes.map((c) => [c.state, c.at])).toEqual([
      ['firing', 2 * MIN],
      ['resolved', 8 * MIN],
    ]);
    expect(gap.notifications.map((n) => [n.at, n.alerts[0]!.status])).toEqual([
      [2 * MIN, 'firing'],
      [8 * MIN, 'resolved'],
    ]);
  });

  it('repeats the firing notification every repeat interval while firing', () => {
    const r = run({ ...RULE, forMs: 0, repeatIntervalMs: 10 * MIN }, 35 * MIN, MIN, during(0, 32 * MIN, 2));
    expect(r.notifications.map((n) => [n.at, n.alerts[0]!.status])).toEqual([
      [0, 'firing'],
      [10 * MIN, 'firing'],
      [20 * MIN, 'firing'],
      [30 * MIN, 'firing'],
      [32 * MIN, 'resolved'],
    ]);
  });

  it('while silenced changes state as usual but notifies nothing; after the silence a still firing alert is notified', () => {
    const silences = [{ rule: 'ingest-stalled', endsAtMs: 10 * MIN }];
    const silenced = (t: number) => isSilenced(silences, 'ingest-stalled', t);
    const short = run({ ...RULE, forMs: 0 }, 20 * MIN, MIN, during(MIN, 5 * MIN), silenced);
    expect(short.changes.map((c) => c.state)).toEqual(['firing', 'resolved']);
    expect(short.notifications).toEqual([]);
    const long = run({ ...RULE, forMs: 0 }, 20 * MIN, MIN, during(MIN, 15 * MIN), silenced);
    expect(long.notifications.map((n) => [n.at, n.alerts[0]!.status])).toEqual([
      [10 * MIN, 'firing'],
      [15 * MIN, 'resolved'],
    ]);
    expect(isSilenced(silences, 'other-rule', 0)).toBe(false);
  });

  it('keeps one alert per label set', () => {
    const rule: AlertRule = { ...RULE, name: 'component-failed', forMs: 0, annotations: { summary: '{{ $labels.component }} failed' } };
    const a = evaluateRule(rule, new Map(), 0, [{ labels: { component: 'connector' }, value: 1 }], false);
    const b = evaluateRule(rule, a.alerts, MIN, [{ labels: { component: 'aggregator' }, value: 1 }], false);
    expect(b.changes.map((c) => [c.labels.component, c.state])).toEqual([
      ['connector', 'resolved'],
      ['aggregator', 'firing'],
    ]);
    expect(b.notification?.alerts.map((x) => [x.status, x.annotations.summary])).toEqual([
      ['resolved', 'connector failed'],
      ['firing', 'aggregator failed'],
    ]);
  });
});
