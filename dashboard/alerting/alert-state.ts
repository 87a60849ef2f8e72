// One alert's life, with Prometheus' semantics (rules/alerting.go `Eval`): an active condition
// makes it pending; pending for `for` without a gap makes it firing (at once when `for` is 0);
// a pending alert whose condition clears is dropped (inactive); a firing one whose condition
// clears keeps firing for `keep_firing_for`, then is resolved, after which it is gone (inactive).
// Pure: the caller passes the time (wall-clock or event time, by the rule's kind).
import type { Labels } from './condition-readings.ts';

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface AlertInstance {
  labels: Labels;
  fingerprint: string;
  state: 'pending' | 'firing';
  /** The latest value while the condition held. */
  value: number;
  /** When the condition became active (Prometheus' ActiveAt). */
  activeAtMs: number;
  /** When the alert began firing (Prometheus' FiredAt, Alertmanager's startsAt). */
  firedAtMs?: number;
  /** When the condition cleared while firing (Prometheus' KeepFiringSince). */
  clearedAtMs?: number;
  /** When the latest firing notification was sent (not while silenced). */
  notifiedAtMs?: number;
}

export interface AlertTiming {
  forMs: number;
  keepFiringForMs: number;
}

export interface ConditionInput {
  nowMs: number;
  active: boolean;
  value: number;
}

export interface AlertStep {
  /** The alert after this evaluation; undefined once inactive. */
  alert: AlertInstance | undefined;
  /** The state it entered at this evaluation, if it changed. */
  entered?: Exclude<AlertState, 'inactive'> | 'inactive';
}

function fire(alert: AlertInstance, nowMs: number, timing: AlertTiming): AlertStep {
  return nowMs - alert.activeAtMs >= timing.forMs ? { alert: { ...alert, state: 'firing', firedAtMs: nowMs }, entered: 'firing' } : { alert };
}

/** One evaluation of one alert (one rule, one label set). */
export function advanceAlert(
  alert: AlertInstance | undefined,
  identity: { labels: Labels; fingerprint: string },
  input: ConditionInput,
  timing: AlertTiming,
): AlertStep {
  const { nowMs, active, value } = input;
  if (active) {
    if (alert === undefined) {
      const pending: AlertInstance = { ...identity, state: 'pending', value, activeAtMs: nowMs };
      const step = fire(pending, nowMs, timing);
      return step.entered ? step : { alert: pending, entered: 'pending' };
    }
    const seen: AlertInstance = { ...alert, value };
    delete seen.clearedAtMs;
    return alert.state === 'pending' ? fire(seen, nowMs, timing) : { alert: seen };
  }
  if (alert === undefined) return { alert: undefined };
  if (alert.state === 'pending') return { alert: undefined, entered: 'inactive' };
  const clearedAtMs = alert.clearedAtMs ?? nowMs;
  if (nowMs - clearedAtMs < timing.keepFiringForMs) return { alert: { ...alert, clearedAtMs } };
  return { alert: undefined, entered: 'resolved' };
}
