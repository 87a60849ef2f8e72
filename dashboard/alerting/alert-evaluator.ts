// The alert evaluator of `start` and `backfill`: every few seconds of wall clock it evaluates the
// pipeline rules over the process's readings, and the business rules over each hour of event time
// completed since its previous look (the store's final windows), so that a replay alerts as the
// live system would have. State changes go to `alerts`, notifications to the delivery queue.
// Off the event path: it runs on its own timer, reads on the panels' connection, and never waits
// for a notification (the queue sends in the background).
//
// The business rules begin at the first hour a forecast covers. The hours already complete in the
// store when the evaluator starts (a restart, a second backfill) are replayed without notifying:
// the state they rebuild is what the earlier run had, and the changes they record again are the
// same rows (the table keeps one). Hours completed since are notified.
import { businessHours, firstForecastHour, writeAlertRecords, type AlertRecord } from '../../aggregates/alert-queries.ts';
import { eventTimeProgress } from '../../aggregates/event-time-queries.ts';
import type { Store } from '../../aggregates/store.ts';
import type { Logger } from '../../core/logger.ts';
import {
  evaluateCondition,
  evaluateRule,
  expandTemplate,
  isSilenced,
  type AlertRule,
  type ConditionReadings,
  type DeliveryQueue,
  type DeliveryStatus,
  type RuleAlerts,
  type Silence,
} from './index.ts';
import type { ComponentStatusView } from '../../core/component-status.ts';
import { businessReadingsAt } from './business-readings.ts';
import { DeliveryHealth } from './delivery-health.ts';
import type { PipelineReadings } from './pipeline-readings.ts';

const HOUR_MS = 3_600_000;
/** History read before the hours evaluated: the longest window a business condition looks back over. */
const BUSINESS_LOOKBACK_MS = 7 * 24 * HOUR_MS;
/** Hours evaluated per look, so that a long replay reads the store in bounded pieces. */
const HOURS_PER_LOOK = 24 * 7;

export interface AlertEvaluatorDeps {
  rules: readonly AlertRule[];
  store: Store;
  queue: DeliveryQueue;
  logger: Logger;
  /** The pipeline's readings; without them (a backfill) only the business rules run. */
  pipeline?: PipelineReadings;
  /** The silences in force, read at each evaluation (the silences file). */
  silences: () => readonly Silence[];
  now?: () => number;
}

export interface AlertEvaluatorOptions {
  /** Wall-clock ms between two evaluations. */
  intervalMs: number;
}

export const ALERT_EVALUATOR_DEFAULTS: AlertEvaluatorOptions = { intervalMs: 5_000 };

export class AlertEvaluator {
  private readonly state = new Map<string, RuleAlerts>();
  private readonly unrecorded: AlertRecord[] = [];
  private readonly health = new DeliveryHealth();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private busy = false;
  /** The next hour of event time to evaluate; undefined until a forecast exists. */
  private nextHourMs: number | undefined;
  /** Hours before this one were complete in the store at start: evaluated without notifying. */
  private liveFrom: Promise<number> | undefined;
  /** Evaluations done (the tests wait for them). */
  evaluations = 0;

  constructor(
    private readonly deps: AlertEvaluatorDeps,
    private readonly options: AlertEvaluatorOptions = ALERT_EVALUATOR_DEFAULTS,
  ) {
    this.now = deps.now ?? Date.now;
    for (const rule of deps.rules) this.state.set(rule.name, new Map());
  }

  start(): void {
    this.liveFromMs().catch(() => undefined);
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** End of input (a backfill): no more ticks; every hour the store holds is evaluated. */
  async finish(): Promise<void> {
    this.stopTimer();
    await this.evaluateNow();
  }

  /** One evaluation now, after the one under way (if any). */
  async evaluateNow(): Promise<void> {
    await this.running;
    await this.evaluate();
  }

  /** Stops evaluating, records what is left, and lets the queue deliver what it holds. */
  async stop(): Promise<void> {
    this.stopTimer();
    await this.running;
    await this.record().catch((err: unknown) => this.deps.logger.warn({ err }, 'alert changes not recorded'));
    this.deps.pipeline?.close();
    await this.deps.queue.close();
  }

  /** Firing alerts by rule, every rule named (0 when none fires). */
  firingByRule(): Record<string, number> {
    return Object.fromEntries([...this.state].map(([rule, alerts]) => [rule, [...alerts.values()].filter((a) => a.state === 'firing').length]));
  }

  delivery(): Record<string, DeliveryStatus> {
    return this.deps.queue.status();
  }

  /** The notifications as a component of /api/health: retrying, or failed until a channel delivers again. */
  deliveryView(): ComponentStatusView {
    return this.health.view(this.deps.queue.status());
  }

  checkpointFailuresInARow(): number {
    return this.deps.pipeline?.checkpointFailuresInARow() ?? 0;
  }

  /** The end of the hours complete in the store when the evaluator started (read once). */
  private liveFromMs(): Promise<number> {
    this.liveFrom ??= eventTimeProgress(this.deps.store).then(
      ({ finalThrough }) => (finalThrough === null ? -Infinity : Math.floor(finalThrough / HOUR_MS) * HOUR_MS),
      (err: unknown) => {
        this.liveFrom = undefined;
        throw err;
      },
    );
    return this.liveFrom;
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.busy) return;
    this.busy = true;
    this.running = this.evaluate()
      // A store that does not answer is looked at again at the next tick; ingestion goes on.
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'alert evaluation failed'))
      .finally(() => (this.busy = false));
  }

  private async evaluate(): Promise<void> {
    const wallMs = this.now();
    if (this.deps.pipeline) {
      const readings = await this.deps.pipeline.read(wallMs);
      this.evaluateKind('pipeline', readings, wallMs, false);
    }
    await this.evaluateBusinessHours();
    this.evaluations += 1;
    await this.record();
  }

  /** Each complete hour of event time since the previous look, oldest first. */
  private async evaluateBusinessHours(): Promise<void> {
    if (!this.deps.rules.some((r) => r.kind === 'business')) return;
    const liveFromMs = await this.liveFromMs();
    const { finalThrough } = await eventTimeProgress(this.deps.store);
    if (finalThrough === null) return;
    const completeThroughMs = Math.floor(finalThrough / HOUR_MS) * HOUR_MS;
    if (this.nextHourMs === undefined) {
      const first = await firstForecastHour(this.deps.store);
      if (first === null) return;
      this.nextHourMs = first;
    }
    while (this.nextHourMs < completeThroughMs) {
      const fromMs = this.nextHourMs;
      const toMs = Math.min(completeThroughMs, fromMs + HOURS_PER_LOOK * HOUR_MS);
      const hours = await businessHours(this.deps.store, fromMs - BUSINESS_LOOKBACK_MS, toMs);
      for (let i = 0; i < hours.length; i++) {
        const hourStartMs = hours[i]!.hourStartMs;
        if (hourStartMs < fromMs) continue;
        this.evaluateKind('business', businessReadingsAt(hours, i), hourStartMs + HOUR_MS, hourStartMs < liveFromMs);
      }
      this.nextHourMs = toMs;
    }
  }

  /** One evaluation of every rule of a kind at `atMs` (wall clock or event time). */
  private evaluateKind(kind: AlertRule['kind'], readings: ConditionReadings, atMs: number, replay: boolean): void {
    const silences = this.deps.silences();
    const channels = Object.keys(this.deps.queue.status());
    for (const rule of this.deps.rules) {
      if (rule.kind !== kind) continue;
      const series = evaluateCondition(rule.condition, readings);
      // Silences run on the wall clock; a replay notifies nobody.
      const silenced = replay || isSilenced(silences, rule.name, this.now());
      const step = evaluateRule(rule, this.state.get(rule.name)!, atMs, series, silenced);
      this.state.set(rule.name, step.alerts);
      if (step.notification) this.deps.queue.enqueue(step.notification);
      const notifiedAlerts = new Set(step.notification?.alerts.map((a) => `${a.fingerprint}:${a.status}`));
      for (const change of step.changes) {
        const notified = notifiedAlerts.has(`${change.fingerprint}:${change.state}`) ? channels : [];
        const summary = expandTemplate(rule.annotations.summary ?? '', change.labels, change.value);
        this.unrecorded.push({ ...change, kind, changedAtMs: atMs, summary, notified });
      }
    }
  }

  /** Writes the changes not yet recorded; kept for the next evaluation when the store refuses them. */
  private async record(): Promise<void> {
    if (this.unrecorded.length === 0) return;
    const batch = this.unrecorded.splice(0);
    try {
      await writeAlertRecords(this.deps.store, batch, this.now());
    } catch (err) {
      this.unrecorded.unshift(...batch);
      throw err;
    }
  }
}
