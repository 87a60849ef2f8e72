// The aggregator job: Kafka source -> per-partition pipelines -> the store's tables and the
// sales topic, with checkpoints of state and offsets written together. This module feeds each
// batch of the source to the pipelines (input-batch.ts) and runs the tick: early firing, sinks
// (sink.ts), checkpoint (checkpoint-coordinator.ts), offset commit.
//
// Exactly-once results: a tick takes the pending output and (every checkpoint interval) a state
// snapshot in one synchronous step, writes the output, then the checkpoint, then commits the
// offsets. After a crash each partition restores its checkpoint and re-reads from its offset;
// replay is deterministic and every table is a versioned upsert, so no number changes.
import type { EachBatchPayload, Producer } from 'kafkajs';
import type { Config } from '../core/config.ts';
import { aggregatorGroup, topics } from '../core/topics.ts';
import { createKafka } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import type { RejectedRow } from '../core/event.ts';
import { createSchemaRegistry } from '../core/avro.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';
import { ClvFitThread } from './clv/fit-thread.ts';
import { ClvRefits } from './clv-refits.ts';
import { STREAM_DEFAULTS, type EngineOptions } from './defaults.ts';
import { EventDecoder } from './event-decoder.ts';
import { prepareDecoding, processEventsBatch, takeRejectedBatch } from './input-batch.ts';
import { JobMetrics, type JobObserver } from './job-metrics.ts';
import type { EmissionListener, EmissionUpdate, JobView } from './job-view.ts';
import type { PipelineMetrics } from './metrics.ts';
import { Emissions } from './partition-pipeline.ts';
import type { JobStore, ResultTables } from './result-tables.ts';
import { WriteRetries } from './retry.ts';
import { JobSink } from './sink.ts';
import { KafkaSource, type PositionWait } from './source.ts';
import { StoppedPartitions } from './stopped-partitions.ts';
import type { CompactionPolicy } from './state/changelog.ts';
import { PeriodicTask, TickSchedule } from './tick-schedule.ts';
import { systemClock, type Clock } from './time.ts';
import { WatermarkTracker } from './watermark.ts';

export interface JobOptions extends EngineOptions {
  earlyFiringIntervalMs: number;
  checkpointIntervalMs: number;
  compaction?: CompactionPolicy;
  idleTimeoutMs: number;
  clvRefitIntervalMs: number;
  clvMonthlyDiscount: number;
  /** Output rows buffered before processing waits for a flush (backpressure). */
  maxBufferedRows: number;
  clock: Clock;
}

export const DEFAULT_JOB_OPTIONS: JobOptions = { ...STREAM_DEFAULTS, maxBufferedRows: 200_000, clock: systemClock };

export class AggregatorJob implements JobView {
  private readonly source: KafkaSource;
  private readonly producer: Producer;
  private readonly decoder: EventDecoder;
  private readonly coordinator: CheckpointCoordinator;
  private readonly topics: ReturnType<typeof topics>;
  private readonly tracker: WatermarkTracker;
  private readonly tables: ResultTables;
  private emissions: Emissions;
  /** The emissions of the last tick, once written: reused so the events rows' buffer is not grown anew each tick. */
  private spareEmissions: Emissions | undefined;
  private readonly sink: JobSink;
  private rejected: RejectedRow[] = [];
  private ticking: Promise<void> = Promise.resolve();
  private readonly schedule: TickSchedule;
  private readonly endsCheck: PeriodicTask;
  /** Whether anything (a batch read, an output emitted) happened since the last checkpoint's snapshot. */
  private sinceCheckpoint = true;
  private tickRunning = false;
  private readonly listeners = new Set<EmissionListener>();
  private readonly stats: JobMetrics;
  private failure?: Error;
  private readonly failureWaiters: Array<(err: Error) => void> = [];
  /** Its store writes, output produces and checkpoints being retried (/api/health shows them). */
  readonly retries = new WriteRetries();
  private readonly stopped: StoppedPartitions;
  /** The lifetime-value model's refits and the model in force. */
  readonly clv: ClvRefits;

  constructor(
    config: Config,
    store: JobStore,
    private readonly logger: Logger,
    private readonly options: JobOptions = DEFAULT_JOB_OPTIONS,
  ) {
    const kafka = createKafka(config, 'salesinsights-aggregator');
    this.topics = topics(config.namespace);
    const group = aggregatorGroup(config.namespace);
    this.source = new KafkaSource(kafka, group, [this.topics.events, this.topics.rejected], logger);
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.sink = new JobSink(store.tables, this.producer, this.topics, logger, this.retries);
    this.decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
    this.coordinator = new CheckpointCoordinator(store.checkpoints, this.topics, options, logger, this.retries);
    this.tables = store.tables;
    this.emissions = new Emissions(store.tables.eventBuffer());
    this.tracker = new WatermarkTracker(options.clock, options.idleTimeoutMs);
    this.stats = new JobMetrics(() => options.clock.now(), logger);
    this.stopped = new StoppedPartitions(this.source, logger);
    this.clv = new ClvRefits(new ClvFitThread(), options, logger, options.clock);
    this.schedule = new TickSchedule(options.clock, options.earlyFiringIntervalMs);
    this.endsCheck = new PeriodicTask(options.clock, options.checkpointIntervalMs, () => this.checkEnds());
  }

  /** `failed` while any partition is stopped (its checkpoint lies past its end), with the reason (/api/health shows it). */
  get partitionStatus() {
    return this.stopped.status;
  }

  onEmission(listener: EmissionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  observe(observer: JobObserver): () => void {
    return this.stats.observe(observer);
  }

  async start(): Promise<void> {
    await this.clv.restore(this.tables);
    await this.producer.connect();
    await this.source.start({
      eachBatch: (p) => this.onBatch(p),
      onAssignment: (assignment) => this.onAssignment(assignment),
      onCrash: (err) => this.fail(err),
    });
    this.coordinator.started(this.options.clock.now());
    this.schedule.start(() => {
      if (!this.tickRunning && this.schedule.tickDue()) void this.tick(false).catch((err) => this.fail(err));
      this.endsCheck.poll();
    });
  }

  /**
   * A rebalance: restore and seek the partitions gained (one whose checkpoint lies past the
   * partition's end stops instead, see StoppedPartitions.seek), drop the state of those lost.
   */
  private onAssignment(assignment: Record<string, number[]>): void {
    void this.coordinator
      .restore(assignment)
      .then((seeks) => this.stopped.seek(seeks))
      .catch((err) => this.fail(err));
    for (const partition of this.coordinator.release(assignment)) this.tracker.remove(String(partition));
    this.stopped.release(assignment);
  }

  /** Compares the events partitions' ends with their offsets (see StoppedPartitions.checkEnds). */
  private async checkEnds(): Promise<void> {
    const offsets = [...this.coordinator.partitions].map(([partition, p]) => [partition, p.nextOffset] as const).filter(([, next]) => next > 0);
    if (offsets.length > 0) await this.stopped.checkEnds(this.topics.events, offsets, (partition) => this.coordinator.partitions.has(partition));
  }

  /**
   * Stops ticking for good: a failed tick has taken its output out of the buffers, so no later
   * checkpoint may be written past it. A new job restores from the last checkpoint instead.
   */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err as Error;
    this.schedule.stop();
    this.logger.error({ err }, 'aggregator failed');
    for (const notify of this.failureWaiters.splice(0)) notify(this.failure);
  }

  /** Resolves with the error that stopped the job (a crashed consumer, a store away too long). */
  whenFailed(): Promise<Error> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.failureWaiters.push(resolve));
  }

  private async onBatch({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    this.sinceCheckpoint = true;
    if (batch.topic === this.topics.rejected) {
      if (await this.onRejectedBatch(batch)) resolveOffset(batch.lastOffset());
      return;
    }
    const pipeline = await this.coordinator.pipelineFor(batch.partition);
    if (this.stopped.stoppedAt(batch, pipeline.nextOffset)) return;
    const first = batch.firstOffset();
    if (first !== null && Number(first) > pipeline.nextOffset) {
      this.source.rewind(batch.topic, batch.partition, pipeline.nextOffset);
      return;
    }
    await prepareDecoding(batch, this.decoder);
    const { duplicates, late } = pipeline.counters;
    const events = processEventsBatch(batch, pipeline, this.decoder, this.emissions, this.rejected);
    resolveOffset(batch.lastOffset());
    if (events > 0) this.schedule.inputArrived();
    this.stats.processed({ events, duplicates: pipeline.counters.duplicates - duplicates, late: pipeline.counters.late - late });
    this.tracker.report(String(batch.partition), pipeline.watermark, events > 0);
    if (this.emissions.size + this.rejected.length >= this.options.maxBufferedRows) await this.tick(false);
  }

  /** False when it had to seek back to the checkpointed offset instead. */
  private async onRejectedBatch(batch: EachBatchPayload['batch']): Promise<boolean> {
    const next = await this.coordinator.rejectedOffset(batch.partition);
    if (this.stopped.stoppedAt(batch, next)) return false;
    const first = batch.firstOffset();
    if (first !== null && Number(first) > next) {
      this.source.rewind(batch.topic, batch.partition, next);
      return false;
    }
    this.coordinator.setRejectedOffset(batch.partition, takeRejectedBatch(batch, next, this.rejected));
    return true;
  }

  /** One tick at a time: early firing, sink writes, then (when due) checkpoint and commit. */
  tick(forceCheckpoint: boolean): Promise<void> {
    this.tickRunning = true;
    // Whoever called it, a failed tick fails the job (see fail()).
    const run = this.ticking
      .catch(() => undefined)
      .then(() => this.flush(forceCheckpoint))
      .catch((err: unknown) => {
        this.fail(err);
        throw err;
      });
    this.ticking = run.finally(() => (this.tickRunning = false));
    return this.ticking;
  }

  private async flush(forceCheckpoint: boolean): Promise<void> {
    if (this.failure) throw this.failure;
    const now = this.options.clock.now();
    this.schedule.ticked();
    const combined = this.tracker.combined();
    this.clv.onTick(combined, this.coordinator.partitions, this.emissions);
    for (const [partition, p] of this.coordinator.partitions) {
      if (this.tracker.isIdle(String(partition))) p.advanceTo(combined, this.emissions);
      p.fireEarly(this.emissions);
    }
    const out = this.emissions;
    const rejected = this.rejected;
    this.emissions = this.spareEmissions ?? new Emissions(this.tables.eventBuffer());
    this.spareEmissions = undefined;
    this.rejected = [];
    const checkpointDue = this.coordinator.isDue(now, forceCheckpoint);
    const snapshotStarted = Date.now();
    const checkpoints = checkpointDue ? this.coordinator.snapshot() : [];
    if (checkpointDue) this.sinceCheckpoint = false;
    else if (out.size + rejected.length > 0) this.sinceCheckpoint = true;
    const snapshotMs = Date.now() - snapshotStarted;

    // The live push goes out once the aggregates are stored, ahead of the events table (once,
    // even when a write is retried).
    let pushed = false;
    const push = () => {
      if (pushed || out.sales.length + out.customers.length + out.sessions.length === 0) return;
      pushed = true;
      const update: EmissionUpdate = { sales: out.sales, customers: out.customers, sessions: out.sessions, emittedAt: Date.now() };
      for (const listener of this.listeners) listener(update);
    };
    const { storeRejected, storeMs } = await this.sink.write(out, rejected, push);
    this.stats.written(out, rejected.length + storeRejected, storeMs);
    // The live push's listeners keep out.sales and out.customers: clear() gives out new arrays.
    out.clear();
    this.spareEmissions = out;
    if (checkpointDue) {
      this.stats.checkpointed(await this.coordinator.write(checkpoints, snapshotMs));
      // The checkpoint is the truth; the group offsets only tell Kafka (and lag monitors) where
      // we are. During a rebalance the commit is refused, which is harmless.
      await this.source.commit(checkpoints);
      this.coordinator.completed(now);
    }
  }

  /**
   * The partitions of `ends` this instance owns and has not yet read to their end offsets; a
   * stopped one among them fails the wait (a backfill would never reach its end).
   */
  partitionsBehind(ends: Map<string, number>): string[] {
    if (this.failure) throw this.failure;
    const stopped = this.stopped.within(ends);
    if (stopped) throw stopped;
    return this.source.partitionsBehind(ends, (key) => this.coordinator.restored(key));
  }

  /**
   * Resolves once this instance has read every partition it owns up to the given end offsets;
   * fails only when reading makes no progress at all for `stallMs`, however long the input.
   * With `ownAll` (a backfill: the only instance) it also waits until it owns every partition
   * of `ends` (see KafkaSource.waitForPositions).
   */
  waitForPositions(ends: Map<string, number>, wait: PositionWait = {}): Promise<void> {
    return this.source.waitForPositions(ends, (e) => this.partitionsBehind(e), wait);
  }

  /**
   * End of input: every window seen becomes final; everything is written and checkpointed.
   * `alongside` (work on what the store holds: a backfill's forecasts) runs once the final
   * windows and events are written, beside the end-of-input refit.
   */
  async finishInput(alongside?: () => Promise<void>): Promise<void> {
    await this.ticking;
    const partitions = this.coordinator.partitions;
    for (const p of partitions.values()) p.endOfInput(this.emissions);
    // The end-of-input refit runs on its thread while the final windows are written; the tick
    // after it writes its rows and the checkpoint.
    const refit = this.clv.finish(Math.max(...[...partitions.values()].map((p) => p.newestEventTime)), partitions);
    await this.tick(false);
    // The checkpoint is taken whether or not `alongside` succeeded; its failure is the caller's.
    const [, along] = await Promise.allSettled([refit, alongside?.()]);
    await this.tick(true);
    if (along.status === 'rejected') throw along.reason;
  }

  metrics(): PipelineMetrics {
    return { ...this.stats.health(this.coordinator.partitions.values(), this.tracker.combined(), this.source.consumerLag()), clv: { ...this.clv.status } };
  }

  /**
   * Clean shutdown: a final flush and checkpoint, then disconnect. None after a failure, and none
   * when nothing happened since the last checkpoint (a backfill's finishInput has just taken one).
   */
  async stop(): Promise<void> {
    this.schedule.stop();
    await this.ticking.catch(() => undefined);
    if (!this.failure && this.sinceCheckpoint) await this.tick(true).catch((err) => this.logger.error({ err }, 'final flush failed'));
    await this.source.disconnect();
    await this.clv.close();
    await this.producer.disconnect().catch((err: Error) => this.logger.warn({ err: err.message }, 'producer disconnect failed'));
  }
}
