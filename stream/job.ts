// stream/: the event-time engine and the aggregator job; may import aggregates/ and core/.
// The aggregator job: Kafka source -> per-partition pipelines -> ClickHouse sinks and the
// sales topic, with checkpoints of state and offsets written together. This module is the
// coordinator: it feeds each batch of the source to the pipelines and runs the tick (early
// firing, sinks, checkpoint, offset commit); the source (source.ts), the state and its
// checkpoints (checkpoint-coordinator.ts), the sinks (sink.ts) and the metrics (job-metrics.ts)
// live beside it.
//
// Exactly-once results: a tick takes the pending output and (every checkpoint interval) a state
// snapshot in one synchronous step, writes the output, then the checkpoint, then commits the
// offsets. After a crash each partition restores its checkpoint and re-reads from its offset;
// replay is deterministic and every table is a versioned upsert, so no number changes.
import type { EachBatchPayload, Producer } from 'kafkajs';
import type { Config } from '../core/config.ts';
import { topics } from '../core/topics.ts';
import { createKafka } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import type { RejectedRow, ShopEvent } from '../core/event.ts';
import { createSchemaRegistry } from '../core/avro.ts';
import { ComponentStatus } from '../core/component-status.ts';
import { TextBytes } from '../core/text-bytes.ts';
import type { Store } from '../aggregates/store.ts';
import type { CustomerRow, SalesRow } from '../aggregates/table-rows.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';
import { STREAM_DEFAULTS, type EngineOptions } from './defaults.ts';
import { OffsetBeyondEndError } from './errors.ts';
import { EventDecoder, hasLineNumber, unprocessableReason } from './event-decoder.ts';
import { JobMetrics, type JobObserver } from './job-metrics.ts';
import type { PipelineMetrics } from './metrics.ts';
import { Emissions } from './partition-pipeline.ts';
import { withRetry, WriteRetries } from './retry.ts';
import { eventRejection, produceOutputs, SALES_REQUEST_BYTES, writeOutputs } from './sink.ts';
import { KafkaSource, type PositionWait } from './source.ts';
import { systemClock, type Clock } from './time.ts';
import { tickDue } from './trigger.ts';
import { WatermarkTracker } from './watermark.ts';

export interface JobOptions extends EngineOptions {
  earlyFiringIntervalMs: number;
  checkpointIntervalMs: number;
  idleTimeoutMs: number;
  /** Output rows buffered before processing waits for a flush (backpressure). */
  maxBufferedRows: number;
  clock: Clock;
}

export const DEFAULT_JOB_OPTIONS: JobOptions = { ...STREAM_DEFAULTS, maxBufferedRows: 200_000, clock: systemClock };

/** What a tick emitted: the live dashboard listens to these. */
export interface EmissionUpdate {
  sales: SalesRow[];
  customers: CustomerRow[];
  emittedAt: number;
}
export type EmissionListener = (update: EmissionUpdate) => void;

/** What the dashboard needs of the aggregator: a job, or a supervisor that replaces failed jobs. */
export interface JobView {
  onEmission(listener: EmissionListener): () => void;
  /** Counts and durations as they happen (see JobObserver); answers the function that removes the observer. */
  observe(observer: JobObserver): () => void;
  metrics(): PipelineMetrics;
}

export class AggregatorJob implements JobView {
  private readonly source: KafkaSource;
  private readonly producer: Producer;
  private readonly decoder: EventDecoder;
  private readonly coordinator: CheckpointCoordinator;
  private readonly topics: ReturnType<typeof topics>;
  private readonly tracker: WatermarkTracker;
  private emissions = new Emissions();
  /** The emissions of the last tick, once written: reused so the events rows' buffer is not grown anew each tick. */
  private spareEmissions: Emissions | undefined;
  private readonly salesRecordBytes = new TextBytes(SALES_REQUEST_BYTES);
  private rejected: RejectedRow[] = [];
  private ticking: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private lastTickAt = 0;
  /** When the latest batch with events was processed, and whether any came since the last tick. */
  private lastInputAt = 0;
  private inputSinceTick = false;
  /** Whether anything (a batch read, an output emitted) happened since the last checkpoint's snapshot. */
  private sinceCheckpoint = true;
  private tickRunning = false;
  /** When the events partitions' ends were last compared with their offsets (see checkEnds), and whether a check runs. */
  private endsCheckedAt = 0;
  private checkingEnds = false;
  private readonly listeners = new Set<EmissionListener>();
  private readonly stats: JobMetrics;
  private failure?: Error;
  private readonly failureWaiters: Array<(err: Error) => void> = [];
  /** Its store writes, output produces and checkpoints being retried (/api/health shows them). */
  readonly retries = new WriteRetries();
  /** Partitions stopped for good (their checkpoint lies past their end), by "topic:partition". */
  private readonly stopped = new Map<string, OffsetBeyondEndError>();
  /** `failed` while any partition is stopped, with the reason (/api/health shows it). */
  readonly partitionStatus = new ComponentStatus();

  constructor(
    config: Config,
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly options: JobOptions = DEFAULT_JOB_OPTIONS,
  ) {
    const kafka = createKafka(config, 'salesinsights-aggregator');
    this.topics = topics(config.namespace);
    const group = `${config.namespace}.aggregator`;
    this.source = new KafkaSource(kafka, group, [this.topics.events, this.topics.rejected], logger);
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
    this.coordinator = new CheckpointCoordinator(store, group, this.topics, options, logger, this.retries);
    this.tracker = new WatermarkTracker(options.clock, options.idleTimeoutMs);
    this.stats = new JobMetrics(() => options.clock.now(), logger);
  }

  onEmission(listener: EmissionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  observe(observer: JobObserver): () => void {
    return this.stats.observe(observer);
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.source.start({
      eachBatch: (p) => this.onBatch(p),
      onAssignment: (assignment) => this.onAssignment(assignment),
      onCrash: (err) => this.fail(err),
    });
    this.coordinator.started(this.options.clock.now());
    // The early-firing interval bounds how long a change waits; a pause in the input sends the
    // pending changes sooner (see tickDue).
    const poll = Math.min(100, this.options.earlyFiringIntervalMs);
    this.timer = setInterval(() => {
      const { lastTickAt, lastInputAt, inputSinceTick } = this;
      const due = tickDue({ now: this.options.clock.now(), lastTickAt, lastInputAt, inputSinceTick, earlyFiringIntervalMs: this.options.earlyFiringIntervalMs, pollMs: poll });
      if (!this.tickRunning && due) void this.tick(false).catch((err) => this.fail(err));
      if (!this.checkingEnds && this.options.clock.now() - this.endsCheckedAt >= this.options.checkpointIntervalMs) void this.checkEnds();
    }, poll);
  }

  /** A rebalance: restore and seek the partitions gained, drop the state of those lost. */
  private onAssignment(assignment: Record<string, number[]>): void {
    void this.restore(assignment).catch((err) => this.fail(err));
    for (const partition of this.coordinator.release(assignment)) this.tracker.remove(String(partition));
    for (const [key, err] of this.stopped) {
      if ((assignment[err.topic] ?? []).includes(err.partition)) continue;
      // Its new owner checks it for itself.
      this.stopped.delete(key);
      this.source.resume(err.topic, err.partition);
    }
    this.showStopped();
  }

  /**
   * Seeks the partitions gained to their checkpoints, except one whose checkpoint lies past the
   * partition's end: a fetch there is out of range, and kafkajs would silently read the partition
   * from its start, skipping its records up to the checkpoint's offset. The ends are read after
   * the checkpoints, so one its previous owner wrote meanwhile is within them.
   */
  private async restore(assignment: Record<string, number[]>): Promise<void> {
    const seeks: Array<{ topic: string; partition: number; offset: number }> = [];
    await this.coordinator.seekToCheckpoints(assignment, (topic, partition, offset) => seeks.push({ topic, partition, offset }));
    const ends = new Map<string, Map<number, number>>();
    for (const { topic, partition, offset } of seeks) {
      if (offset > 0 && !ends.has(topic)) ends.set(topic, await this.source.endOffsets(topic));
      const end = ends.get(topic)?.get(partition);
      if (end !== undefined && offset > end) this.stopPartition(topic, partition, offset, end);
      else this.source.seek(topic, partition, offset);
    }
  }

  /**
   * Whether the batch's partition is stopped, or must be: its next offset lies past the batch's
   * high watermark (the topic was created again under a running job, and kafkajs, finding the
   * fetch out of range, read the partition from its start).
   */
  private stoppedAt(batch: EachBatchPayload['batch'], next: number): boolean {
    if (this.stopped.has(`${batch.topic}:${batch.partition}`)) return true;
    const end = Number(batch.highWatermark);
    if (next <= end) return false;
    this.stopPartition(batch.topic, batch.partition, next, end);
    return true;
  }

  /**
   * A topic created again under the running job gives no batch until records arrive (kafkajs
   * has meanwhile moved the position to its start), so the ends are also compared every
   * checkpoint interval. The offsets are taken first: one read meanwhile is still within the ends.
   */
  private async checkEnds(): Promise<void> {
    this.checkingEnds = true;
    try {
      const offsets = [...this.coordinator.partitions].map(([partition, p]) => [partition, p.nextOffset] as const).filter(([, next]) => next > 0);
      if (offsets.length === 0) return;
      const ends = await this.source.endOffsets(this.topics.events);
      for (const [partition, next] of offsets) {
        const end = ends.get(partition);
        const key = `${this.topics.events}:${partition}`;
        if (end !== undefined && next > end && !this.stopped.has(key) && this.coordinator.partitions.has(partition)) this.stopPartition(this.topics.events, partition, next, end);
      }
    } catch (err) {
      // The next interval checks again; a broker away shows in the job's other calls.
      this.logger.warn({ err: (err as Error).message }, 'end offsets check failed');
    } finally {
      this.endsCheckedAt = this.options.clock.now();
      this.checkingEnds = false;
    }
  }

  /** Stops reading one partition, the others go on; one error line, and /api/health says `failed`. */
  private stopPartition(topic: string, partition: number, checkpointOffset: number, end: number): void {
    const err = new OffsetBeyondEndError(topic, partition, checkpointOffset, end);
    this.source.pause(topic, partition);
    this.stopped.set(`${topic}:${partition}`, err);
    this.logger.error({ code: err.code, topic, partition, checkpointOffset, end }, err.message);
    this.showStopped();
  }

  private showStopped(): void {
    const [first, ...others] = this.stopped.values();
    if (!first) return this.partitionStatus.running();
    const also = others.length > 0 ? ` (also ${others.map((e) => `${e.topic} partition ${e.partition}`).join(', ')})` : '';
    this.partitionStatus.failed(first.message + also);
  }

  /**
   * Stops ticking for good: a failed tick has taken its output out of the buffers, so no later
   * checkpoint may be written past it. A new job restores from the last checkpoint instead.
   */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err as Error;
    clearInterval(this.timer);
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
    if (this.stoppedAt(batch, pipeline.nextOffset)) return;
    const first = batch.firstOffset();
    if (first !== null && Number(first) > pipeline.nextOffset) {
      this.source.rewind(batch.topic, batch.partition, pipeline.nextOffset);
      return;
    }
    // Each value is made twice (here and in decode) on purpose: consumed records make their value
    // when asked, and an array holding the batch's values would keep more garbage alive past
    // young collections, which costs the aggregator more CPU than making them again.
    await this.decoder.prepare(batch.messages.map((m) => m.value));
    // From here to the end of the loop nothing awaits: a tick never sees half a batch.
    const { duplicates, late } = pipeline.counters;
    let events = 0;
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      if (offset < pipeline.nextOffset) continue;
      const event = this.decoder.decode(m.value);
      if (typeof event === 'string') {
        pipeline.skip(offset);
        this.rejected.push(undecodable(batch.topic, batch.partition, offset, event));
        continue;
      }
      const reason = unprocessableReason(event);
      if (reason) {
        // Rejected, not processed: its time moves no watermark.
        pipeline.skip(offset);
        this.rejected.push(unprocessable(batch.topic, batch.partition, offset, event, reason));
        continue;
      }
      pipeline.process(event, offset, this.emissions);
      events += 1;
    }
    resolveOffset(batch.lastOffset());
    if (events > 0) {
      this.lastInputAt = this.options.clock.now();
      this.inputSinceTick = true;
    }
    this.stats.processed({ events, duplicates: pipeline.counters.duplicates - duplicates, late: pipeline.counters.late - late });
    this.tracker.report(String(batch.partition), pipeline.watermark, events > 0);
    if (this.emissions.size + this.rejected.length >= this.options.maxBufferedRows) await this.tick(false);
  }

  /** False when it had to seek back to the checkpointed offset instead. */
  private async onRejectedBatch(batch: EachBatchPayload['batch']): Promise<boolean> {
    let next = await this.coordinator.rejectedOffset(batch.partition);
    if (this.stoppedAt(batch, next)) return false;
    const first = batch.firstOffset();
    if (first !== null && Number(first) > next) {
      this.source.rewind(batch.topic, batch.partition, next);
      return false;
    }
    for (const m of batch.messages) {
      if (Number(m.offset) < next || !m.value) continue;
      // Rows a connector wrote before file ids existed have none: '' as in the migrated events table.
      this.rejected.push({ source_file_id: '', ...(JSON.parse(m.value.toString()) as Omit<RejectedRow, 'source_file_id'> & Partial<RejectedRow>) });
      next = Number(m.offset) + 1;
    }
    this.coordinator.setRejectedOffset(batch.partition, next);
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
    this.lastTickAt = now;
    this.inputSinceTick = false;
    const combined = this.tracker.combined();
    for (const [partition, p] of this.coordinator.partitions) {
      if (this.tracker.isIdle(String(partition))) p.advanceTo(combined, this.emissions);
      p.fireEarly(this.emissions);
    }
    const out = this.emissions;
    const rejected = this.rejected;
    this.emissions = this.spareEmissions ?? new Emissions();
    this.spareEmissions = undefined;
    this.rejected = [];
    const checkpointDue = this.coordinator.isDue(now, forceCheckpoint);
    const snapshotStarted = Date.now();
    const checkpoints = checkpointDue ? this.coordinator.snapshot() : [];
    if (checkpointDue) this.sinceCheckpoint = false;
    else if (out.size + rejected.length > 0) this.sinceCheckpoint = true;
    const snapshotMs = Date.now() - snapshotStarted;

    // A store or broker that is briefly away is waited for; one that stays away fails the job,
    // which then restarts from its last checkpoint and loses nothing. The store is written by the
    // engine's threads and the sales topic by this one, side by side; the live push goes out once
    // the aggregates are stored, ahead of the events table (once, even when a write is retried).
    const writeStarted = Date.now();
    let storeMs = 0;
    let pushed = false;
    const push = () => {
      if (pushed || out.sales.length + out.customers.length === 0) return;
      pushed = true;
      const update: EmissionUpdate = { sales: out.sales, customers: out.customers, emittedAt: Date.now() };
      for (const listener of this.listeners) listener(update);
    };
    const [storeRejected] = await Promise.all([
      withRetry(this.logger, 'store write', () => writeOutputs(this.store, out, rejected, this.logger, push), this.retries).finally(() => (storeMs = Date.now() - writeStarted)),
      withRetry(this.logger, 'output produce', () => produceOutputs(this.producer, this.topics, out, this.salesRecordBytes), this.retries),
    ]);
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
    const stopped = [...this.stopped].find(([key]) => ends.has(key));
    if (stopped) throw stopped[1];
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

  /** End of input: every window seen becomes final; everything is written and checkpointed. */
  async finishInput(): Promise<void> {
    await this.ticking;
    for (const p of this.coordinator.partitions.values()) p.endOfInput(this.emissions);
    await this.tick(true);
  }

  metrics(): PipelineMetrics {
    return this.stats.health(this.coordinator.partitions.values(), this.tracker.combined(), this.source.consumerLag());
  }

  /**
   * Clean shutdown: a final flush and checkpoint, then disconnect. None after a failure, and none
   * when nothing happened since the last checkpoint (a backfill's finishInput has just taken one).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.ticking.catch(() => undefined);
    if (!this.failure && this.sinceCheckpoint) await this.tick(true).catch((err) => this.logger.error({ err }, 'final flush failed'));
    await this.source.disconnect();
    await this.producer.disconnect().catch((err: Error) => this.logger.warn({ err: err.message }, 'producer disconnect failed'));
  }
}

/** A record rejected without a source line of its own is known by where it is in Kafka. */
function kafkaSource(topic: string, partition: number, offset: number): Pick<RejectedRow, 'source_file' | 'source_file_id' | 'source_line'> {
  return { source_file: `kafka:${topic}/${partition}`, source_file_id: '', source_line: offset };
}

/** An event the engine must not process, rejected under its source line when it has one. */
function unprocessable(topic: string, partition: number, offset: number, event: ShopEvent, reason: string): RejectedRow {
  const rejection = eventRejection(event, reason);
  return hasLineNumber(event) ? rejection : { ...rejection, ...kafkaSource(topic, partition, offset) };
}

function undecodable(topic: string, partition: number, offset: number, reason: string): RejectedRow {
  return { ...kafkaSource(topic, partition, offset), raw_line: '', reason, rejected_at: Date.now() };
}
