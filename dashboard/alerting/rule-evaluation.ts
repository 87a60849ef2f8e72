// One evaluation of one rule over all its label sets: each active series advances its alert, each
// alert whose series is gone sees an inactive condition. Out come the state changes (a row each
// for the `alerts` table) and at most one notification for the rule: firing alerts when they
// begin firing and again every repeat interval, resolved ones when they resolve (only if their
// firing was notified). A silenced rule changes state as usual but its notification is withheld.
// Pure: the rule's state goes in and comes out.
import { advanceAlert, type AlertInstance, type AlertState } from './alert-state.ts';
import type { ActiveSeries, Labels } from './condition-readings.ts';
import { fingerprint } from './fingerprint.ts';
import type { AlertRule } from './rule.ts';
import { expandAnnotations } from './template.ts';

/** A rule's alerts by fingerprint. */
export type RuleAlerts = ReadonlyMap<string, AlertInstance>;

export interface AlertChange {
  rule: string;
  labels: Labels;
  fingerprint: string;
  state: AlertState;
  value: number;
  /** When the current episode began: pending's start, or the firing's start. */
  startedAtMs: number;
  resolvedAtMs?: number;
}

export interface NotifiedAlert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  value: number;
  startsAtMs: number;
  endsAtMs?: number;
  fingerprint: string;
}

export interface Notification {
  rule: string;
  kind: AlertRule['kind'];
  alerts: NotifiedAlert[];
}

export interface RuleStep {
  alerts: RuleAlerts;
  changes: AlertChange[];
  /** Undefined when nothing is due (or the rule is silenced). */
  notification?: Notification;
}

/** The alert's labels: the series', then the rule's, then `alertname` (Prometheus' precedence). */
export function alertLabels(rule: AlertRule, series: Labels): Labels {
  return { ...series, ...rule.labels, alertname: rule.name };
}

function notified(rule: AlertRule, alert: AlertInstance, status: NotifiedAlert['status'], nowMs: number): NotifiedAlert {
  const startsAtMs = alert.firedAtMs ?? alert.activeAtMs;
  return {
    status,
    labels: alert.labels,
    annotations: expandAnnotations(rule.annotations, alert.labels, alert.value),
    value: alert.value,
    startsAtMs,
    ...(status === 'resolved' ? { endsAtMs: nowMs } : {}),
    fingerprint: alert.fingerprint,
  };
}

function isDue(alert: AlertInstance, nowMs: number, repeatIntervalMs: number): boolean {
  return alert.notifiedAtMs === undefined || nowMs - alert.notifiedAtMs >= repeatIntervalMs;
}

export function evaluateRule(rule: AlertRule, before: RuleAlerts, nowMs: number, series: readonly ActiveSeries[], silenced: boolean): RuleStep {
  const inputs = new Map<string, { labels: Labels; value: number }>();
  for (const s of series) {
    const labels = alertLabels(rule, s.labels);
    inputs.set(fingerprint(labels), { labels, value: s.value });
  }
  const after = new Map<string, AlertInstance>();
  const changes: AlertChange[] = [];
  const out: NotifiedAlert[] = [];
  for (const fp of new Set([...before.keys(), ...inputs.keys()])) {
    const prior = before.get(fp);
    const input = inputs.get(fp);
    const labels = input?.labels ?? prior!.labels;
    const step = advanceAlert(prior, { labels, fingerprint: fp }, { nowMs, active: input !== undefined, value: input?.value ?? prior?.value ?? 0 }, rule);
    const last = step.alert ?? prior!;
    if (step.entered !== undefined) {
      const resolvedAtMs = step.entered === 'resolved' ? { resolvedAtMs: nowMs } : {};
      changes.push({ rule: rule.name, labels, fingerprint: fp, state: step.entered, value: last.value, startedAtMs: last.firedAtMs ?? last.activeAtMs, ...resolvedAtMs });
    }
    let alert = step.alert;
    if (!silenced && alert?.state === 'firing' && isDue(alert, nowMs, rule.repeatIntervalMs)) {
      alert = { ...alert, notifiedAtMs: nowMs };
      out.push(notified(rule, alert, 'firing', nowMs));
    }
    if (!silenced && step.entered === 'resolved' && prior?.notifiedAtMs !== undefined) out.push(notified(rule, prior, 'resolved', nowMs));
    if (alert !== undefined) after.set(fp, alert);
  }
  const notification = out.length > 0 ? { rule: rule.name, kind: rule.kind, alerts: out } : undefined;
  return notification ? { alerts: after, changes, notification } : { alerts: after, changes };
}
