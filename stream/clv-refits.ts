// The lifetime-value model's refits, as the aggregator job schedules them: in event time, each
// time the combined watermark passes a multiple of the refit interval (and at the end of a
// backfill's input), on a snapshot of every purchasing customer's order history. The fit and the
// scoring of every customer run on their own thread (clv/fit-thread.ts); the tick that follows
// the fit's end puts the model in force and writes every customer's new row. Refits are a minute
// of wall time apart at least and keep the fit thread busy at most 5 % of the time (a backfill
// folds refit times together). A fit that fails leaves the previous model in force, its reason
// logged and shown in the metrics.
import type { Logger } from '../core/logger.ts';
import type { OrderHistory } from './clv/customer-summary.ts';
import { scoreAt, type ClvFitThread, type FitOutcome } from './clv/fit-thread.ts';
import { modelOfRow, modelRow, observationEnd, summaryOfHistory, type ModelInForce } from './clv/scoring.ts';
import type { Emissions, PartitionPipeline } from './partition-pipeline.ts';
import type { Clock } from './time.ts';
import type { ResultTables } from './result-tables.ts';

/** The share of the wall-clock time refits may keep the fit thread busy. */
const MAX_BUSY_SHARE = 0.05;
/**
 * Wall time between two refits at least. Live, event time keeps pace with the clock and a day
 * passes between refits; where it runs far ahead (a backfill, a catching-up start, the bench's
 * 10x drip) a day of event time passes every few seconds, and refitting that often would take a
 * core from ingestion for a model that moves little. The refit at the end of input is not held.
 */
const MIN_REFIT_GAP_MS = 60_000;

interface CustomerSnapshot {
  partition: number;
  userId: bigint;
  history: OrderHistory;
}

interface FinishedFit {
  asOf: number;
  customers: CustomerSnapshot[];
  outcome: FitOutcome;
}

/** How the refits went, for the job's metrics. */
export interface ClvRefitStatus {
  modelFittedAt: number | null;
  refits: number;
  lastFailure: string | null;
}

export class ClvRefits {
  private inForce: ModelInForce | undefined;
  /** The next multiple of the interval a refit waits for (event time). */
  private nextRefitAt: number | undefined;
  private running: Promise<void> | undefined;
  private finished: FinishedFit | undefined;
  /** When (wall clock) the last fit started and ended: the next waits so that fits take at most MAX_BUSY_SHARE of the time. */
  private lastFit = { startedAt: Number.NEGATIVE_INFINITY, endedAt: Number.NEGATIVE_INFINITY };
  readonly status: ClvRefitStatus = { modelFittedAt: null, refits: 0, lastFailure: null };

  constructor(
    private readonly thread: Pick<ClvFitThread, 'fit' | 'close'>,
    private readonly options: { clvRefitIntervalMs: number; clvMonthlyDiscount: number },
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** The model in force before the first refit of this run: the stream's latest, as stored. */
  async restore(tables: ResultTables): Promise<void> {
    const row = await tables.latestClvModel();
    if (row) this.putInForce(modelOfRow(row, this.options.clvMonthlyDiscount));
  }

  /**
   * The tick's part, before the partitions fire: a finished fit goes into force and its rows into
   * `out`; a refit starts when the watermark has passed the next refit time.
   */
  onTick(watermark: number, partitions: ReadonlyMap<number, PartitionPipeline>, out: Emissions): void {
    for (const p of partitions.values()) p.clvModel = this.inForce;
    if (this.finished) this.apply(this.finished, partitions, out);
    if (!Number.isFinite(watermark) || this.running) return;
    const interval = this.options.clvRefitIntervalMs;
    const due = Math.floor(watermark / interval) * interval;
    if (this.nextRefitAt === undefined) this.nextRefitAt = due + interval;
    if (watermark < this.nextRefitAt) return;
    // Where event time runs far ahead of the clock (a backfill), the refit times passed within a
    // minute of the last fit, or while fits would take more than their share of a core, fold
    // into a later one.
    const { startedAt, endedAt } = this.lastFit;
    if (this.clock.now() - endedAt < Math.max(MIN_REFIT_GAP_MS, (endedAt - startedAt) * (1 / MAX_BUSY_SHARE - 1))) return;
    this.nextRefitAt = due + interval;
    this.start(due, partitions);
  }

  /**
   * End of input: a refit observed at the newest event time, after the one under way; resolves
   * when it has ended. It starts at once when none is under way, so the caller's ticks meanwhile
   * (the final windows' writes) run beside it; a tick after it puts it in force.
   */
  finish(asOf: number, partitions: ReadonlyMap<number, PartitionPipeline>): Promise<void> {
    const begin = (): Promise<void> => {
      if (!Number.isFinite(asOf)) return Promise.resolve();
      const interval = this.options.clvRefitIntervalMs;
      this.nextRefitAt = Math.floor(asOf / interval) * interval + interval;
      this.start(asOf, partitions);
      return this.running ?? Promise.resolve();
    };
    return this.running ? this.running.then(begin) : begin();
  }

  close(): Promise<void> {
    return this.thread.close();
  }

  private start(asOf: number, partitions: ReadonlyMap<number, PartitionPipeline>): void {
    const customers: CustomerSnapshot[] = [];
    for (const [partition, p] of partitions) for (const [userId, history] of p.histories()) customers.push({ partition, userId, history });
    // The fit's input in one order whatever order the state was built in (a restore's differs), so a replay fits the same model.
    customers.sort((x, y) => (x.userId < y.userId ? -1 : x.userId > y.userId ? 1 : 0));
    const summaries = customers.map((c) => summaryOfHistory(c.history, observationEnd(c.history, asOf)));
    const startedAt = this.clock.now();
    this.running = this.thread
      .fit(summaries, this.options.clvMonthlyDiscount)
      .catch((err: Error): FitOutcome => ({ ok: false, reason: `the fit thread failed: ${err.message}`, durationMs: 0 }))
      .then((outcome) => {
        this.finished = { asOf, customers, outcome };
        this.lastFit = { startedAt, endedAt: this.clock.now() };
        this.running = undefined;
      });
  }

  private apply(fit: FinishedFit, partitions: ReadonlyMap<number, PartitionPipeline>, out: Emissions): void {
    this.finished = undefined;
    this.status.refits += 1;
    const { outcome, asOf } = fit;
    if (!outcome.ok) {
      this.status.lastFailure = outcome.reason;
      this.logger.warn({ asOf: new Date(asOf).toISOString(), reason: outcome.reason }, 'lifetime-value refit failed; the previous model stays in force');
      return;
    }
    this.status.lastFailure = null;
    const inForce: ModelInForce = { model: outcome.model, fittedAt: asOf, monthlyDiscount: this.options.clvMonthlyDiscount };
    this.putInForce(inForce);
    out.clvModels.push(modelRow(outcome.model, asOf, outcome.durationMs, 'stream'));
    fit.customers.forEach((c, i) => {
      partitions.get(c.partition)?.rescored(c.userId, c.history, scoreAt(outcome.scores, i), inForce, observationEnd(c.history, asOf), out);
    });
    for (const p of partitions.values()) p.clvModel = inForce;
  }

  private putInForce(inForce: ModelInForce): void {
    this.inForce = inForce;
    this.status.modelFittedAt = inForce.fittedAt;
  }
}
