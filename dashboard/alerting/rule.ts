// An alert rule, modelled on a Prometheus alerting rule: a condition, how long it must hold before
// the alert fires (`for`), how long it keeps firing once it clears (`keep_firing_for`), labels,
// annotations with templates, and Alertmanager's repeat interval for a firing alert's reminders.
import type { Condition, RuleKind } from './conditions.ts';

export interface AlertRule {
  /** Unique; the alert's `alertname` label and the name silences use. */
  name: string;
  /** The clock the rule runs on: wall-clock (pipeline) or event time (business). */
  kind: RuleKind;
  condition: Condition;
  /** The condition holds this long, continuously, before the alert fires (0: at once). */
  forMs: number;
  /** A firing alert stays firing this long after the condition clears (0: resolves at once). */
  keepFiringForMs: number;
  labels: Readonly<Record<string, string>>;
  /** `summary`, `description`, ...: templates over `$labels` and `$value`. */
  annotations: Readonly<Record<string, string>>;
  /** A firing alert is notified again after this long. */
  repeatIntervalMs: number;
}

/** Alertmanager's default `repeat_interval`. */
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;
