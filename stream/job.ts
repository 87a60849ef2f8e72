// The aggregator job: Kafka source -> per-partition pipelines -> ClickHouse sinks and the
// sales topic, with checkpoints of state and offsets written together.
//
// Exactly-once results: a tick takes the pending output and (every checkpoint interval) a state
// snapshot in one synchronous step, writes the output, then the checkpoint, then commits the
// offsets. After a crash each partition restores its checkpoint and re-reads from its offset;
// replay is deterministic and every table is a versioned upsert, so no number changes.
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { topics, type Config } from '../core/config.ts';
import { createKafka } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import type { RejectedRow } from '../core/event.ts';
import { createSchemaRegistry } from '../core/avro.ts';
import type { Store } from '../aggregates/store.ts';
import { CheckpointStore, type Checkpoint } from '../aggregates/checkpoints.ts';
import { RETRY, STREAM_DEFAULTS, type EngineOptions } from './defaults.ts';
import { EventDecoder, unprocessableReason } from './event-decoder.ts';
import { eventRejection, jsonBigInt, writeOutputs } from './sink.ts';
import { LatencySamples, RateMeter, type PipelineMetrics } from './metrics.ts';
import type { CustomerRow, SalesRow } from '../aggregates/table-rows.ts';
import { Emissions, PartitionPipeline, type PartitionSnapshot } from './partition-pipeline.ts';
import { systemClock, type Clock } from './time.ts';
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
  metrics(): PipelineMetrics;
}

export class AggregatorJob implements JobView {
  private readonly kafka: Kafka;
  private readonly group: string;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly decoder: EventDecoder;
  private readonly checkpoints: CheckpointStore;
  private readonly topics: ReturnType<typeof topics>;
  private readonly pipelines = new Map<number, PartitionPipeline>();
  private readonly restoring = new Map<number, Promise<PartitionPipeline>>();
  /** Rejected-rows partitions carry no state but their offsets. */
  private readonly rejectedOffsets = new Map<number, number>();
  /** Consumer position per "topic:partition", past transaction markers too. */
  private readonly positions = new Map<string, number>();
  private readonly lag: Record<string, number> = {};
  private readonly tracker: WatermarkTracker;
  private emissions = new Emissions();
  private rejected: RejectedRow[] = [];
  private ticking: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private lastCheckpointAt = 0;
  private checkpointCostMs = 0;
  private lastTickAt = 0;
  private tickRunning = false;
  private readonly listeners = new Set<EmissionListener>();
  private readonly latency = new LatencySamples();
  private readonly rateIn: RateMeter;
  private readonly rateOut: RateMeter;
  private rejectedTotal = 0;
  private failure?: Error;
  private readonly failureWaiters: Array<(err: Error) => void> = [];
  /** "topic:partition" this instance owns since the last rebalance. */
  private assigned = new Set<string>();

  constructor(
    config: Config,
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly options: JobOptions = DEFAULT_JOB_OPTIONS,
  ) {
    const kafka = createKafka(config, 'salesinsights-aggregator');
    this.kafka = kafka;
    this.topics = topics(config.namespace);
    const group = `${config.namespace}.aggregator`;
    this.group = group;
    // A short session lets a restarted instance take its partitions back soon after a kill -9.
    this.consumer = kafka.consumer({
      groupId: group,
      readUncommitted: false,
      maxBytes: 16 << 20,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
    this.checkpoints = new CheckpointStore(store, group);
    this.tracker = new WatermarkTracker(options.clock, options.idleTimeoutMs);
    this.rateIn = new RateMeter(() => options.clock.now());
    this.rateOut = new RateMeter(() => options.clock.now());
  }

  onEmission(listener: EmissionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topics.events, this.topics.rejected], fromBeginning: true });
    const { END_BATCH_PROCESS, GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      // Also reported for batches holding only transaction markers, which eachBatch never sees.
      const next = Number(payload.lastOffset) + 1;
      const key = `${payload.topic}:${payload.partition}`;
      if (next > (this.positions.get(key) ?? 0)) this.positions.set(key, next);
      this.lag[key] = Math.max(0, Number(payload.offsetLag));
    });
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.assigned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)),
      );
      this.logger.info({ assignment: payload.memberAssignment }, 'partitions assigned');
      void this.seekToCheckpoints(payload.memberAssignment).catch((err) => this.fail(err));
      const mine = new Set(payload.memberAssignment[this.topics.events] ?? []);
      for (const partition of [...this.pipelines.keys()]) {
        if (mine.has(partition)) continue;
        // Another instance restores this partition from its checkpoint.
        this.pipelines.delete(partition);
        this.tracker.remove(String(partition));
      }
      const mineRejected = new Set(payload.memberAssignment[this.topics.rejected] ?? []);
      for (const partition of [...this.rejectedOffsets.keys()]) {
        if (!mineRejected.has(partition)) this.rejectedOffsets.delete(partition);
      }
    });
    this.consumer.on(CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(payload.error);
    });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatch(p) });
    this.lastCheckpointAt = this.options.clock.now();
    // The early-firing interval bounds how often results are emitted, not when: a change after
    // a quiet spell goes out within a short poll instead of waiting for a fixed beat.
    const poll = Math.min(100, this.options.earlyFiringIntervalMs);
    this.timer = setInterval(() => {
      if (!this.tickRunning && this.options.clock.now() - this.lastTickAt >= this.options.earlyFiringIntervalMs) {
        void this.tick(false).catch((err) => this.fail(err));
      }
    }, poll);
  }

  /**
   * A newly assigned partition is restored at once, not at its first batch: one already read to
   * its end gets no batch, yet its open windows must still be there to close at end of input.
   * The checkpoint, not the group's committed offset, says where it resumes (they differ if a
   * crash fell between writing one and committing the other).
   */
  private async seekToCheckpoints(assignment: Record<string, number[]>): Promise<void> {
    for (const partition of assignment[this.topics.events] ?? []) {
      if (this.pipelines.has(partition)) continue;
      const pipeline = await this.pipelineFor(partition);
      this.consumer.seek({ topic: this.topics.events, partition, offset: String(pipeline.nextOffset) });
    }
    for (const partition of assignment[this.topics.rejected] ?? []) {
      if (this.rejectedOffsets.has(partition)) continue;
      const checkpoint = await this.checkpoints.load(this.topics.rejected, partition);
      this.consumer.seek({ topic: this.topics.rejected, partition, offset: String(checkpoint?.nextOffset ?? 0) });
    }
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
    if (batch.topic === this.topics.rejected) {
      if (await this.onRejectedBatch(batch)) resolveOffset(batch.lastOffset());
      return;
    }
    const pipeline = await this.pipelineFor(batch.partition);
    const first = batch.firstOffset();
    if (first !== null && Number(first) > pipeline.nextOffset) {
      this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(pipeline.nextOffset) });
      return;
    }
    await this.decoder.prepare(batch.messages.map((m) => m.value));
    // From here to the end of the loop nothing awaits: a tick never sees half a batch.
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
        this.rejected.push(eventRejection(event, reason));
        continue;
      }
      pipeline.process(event, offset, this.emissions);
      events += 1;
    }
    resolveOffset(batch.lastOffset());
    this.rateIn.mark(events);
    this.tracker.report(String(batch.partition), pipeline.watermark, events > 0);
    if (this.emissions.size + this.rejected.length >= this.options.maxBufferedRows) await this.tick(false);
  }

  /** False when it had to seek back to the checkpointed offset instead. */
  private async onRejectedBatch(batch: EachBatchPayload['batch']): Promise<boolean> {
    let next = this.rejectedOffsets.get(batch.partition);
    if (next === undefined) {
      next = (await this.checkpoints.load(batch.topic, batch.partition))?.nextOffset ?? 0;
      this.rejectedOffsets.set(batch.partition, next);
    }
    const first = batch.firstOffset();
    if (first !== null && Number(first) > next) {
      this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(next) });
      return false;
    }
    for (const m of batch.messages) {
      if (Number(m.offset) < next || !m.value) continue;
      this.rejected.push(JSON.parse(m.value.toString()) as RejectedRow);
      next = Number(m.offset) + 1;
    }
    this.rejectedOffsets.set(batch.partition, next);
    return true;
  }

  /** The partition's pipeline, restored from its checkpoint once (concurrent callers share it). */
  private pipelineFor(partition: number): Promise<PartitionPipeline> {
    const existing = this.pipelines.get(partition);
    if (existing) return Promise.resolve(existing);
    let restoring = this.restoring.get(partition);
    if (!restoring) {
      restoring = this.restorePipeline(partition).finally(() => this.restoring.delete(partition));
      this.restoring.set(partition, restoring);
    }
    return restoring;
  }

  private async restorePipeline(partition: number): Promise<PartitionPipeline> {
    const pipeline = new PartitionPipeline(partition, this.options);
    const checkpoint = await this.checkpoints.load(this.topics.events, partition);
    if (checkpoint) {
      pipeline.restore(JSON.parse(checkpoint.state) as PartitionSnapshot);
      this.logger.info({ partition, nextOffset: checkpoint.nextOffset }, 'partition restored from checkpoint');
    }
    this.pipelines.set(partition, pipeline);
    return pipeline;
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
    const combined = this.tracker.combined();
    for (const [partition, p] of this.pipelines) {
      if (this.tracker.isIdle(String(partition))) p.advanceTo(combined, this.emissions);
      p.fireEarly(this.emissions);
    }
    const out = this.emissions;
    const rejected = this.rejected;
    this.emissions = new Emissions();
    this.rejected = [];
    // A checkpoint copies all state; as state grows the interval stretches so that taking them
    // stays under a tenth of the time.
    const interval = Math.max(this.options.checkpointIntervalMs, 10 * this.checkpointCostMs);
    const checkpointDue = forceCheckpoint || now - this.lastCheckpointAt >= interval;
    const snapshotStarted = Date.now();
    const checkpoints = checkpointDue ? this.snapshot() : [];
    let checkpointCostMs = Date.now() - snapshotStarted;

    // A store or broker that is briefly away is waited for; one that stays away fails the job,
    // which then restarts from its last checkpoint and loses nothing.
    const refused = await withRetry(this.logger, 'store write', () => writeOutputs(this.store, out, rejected, this.logger));
    await withRetry(this.logger, 'output produce', () => this.produceOutputs(out));
    this.rejectedTotal += rejected.length + refused;
    this.rateOut.mark(out.sales.length + out.customers.length);
    if (out.sales.length + out.customers.length > 0) {
      if (out.newestIngestedAt > 0) this.latency.add(Date.now() - out.newestIngestedAt);
      const update: EmissionUpdate = { sales: out.sales, customers: out.customers, emittedAt: Date.now() };
      for (const listener of this.listeners) listener(update);
    }
    if (checkpointDue) {
      const saveStarted = Date.now();
      await withRetry(this.logger, 'checkpoint', () => this.checkpoints.save(checkpoints));
      checkpointCostMs += Date.now() - saveStarted;
      this.checkpointCostMs = checkpointCostMs;
      // The checkpoint is the truth; the group offsets only tell Kafka (and lag monitors) where
      // we are. During a rebalance the commit is refused, which is harmless.
      await this.consumer
        .commitOffsets(checkpoints.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.nextOffset) })))
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'offset commit refused; the checkpoint stands'));
      this.lastCheckpointAt = now;
    }
  }

  private snapshot(): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (const [partition, p] of this.pipelines) {
      out.push({ topic: this.topics.events, partition, nextOffset: p.nextOffset, state: JSON.stringify(p.snapshot()) });
    }
    for (const [partition, nextOffset] of this.rejectedOffsets) {
      out.push({ topic: this.topics.rejected, partition, nextOffset, state: '' });
    }
    return out;
  }

  private async produceOutputs(out: Emissions): Promise<void> {
    const sales = out.sales.map((r) => ({ key: String(r.productId), value: salesMessage(r) }));
    const late = out.late.map((r) => ({ key: String(r.event.user_id), value: JSON.stringify(r, jsonBigInt) }));
    // Requests stay well under the broker's message.max.bytes (1 MB per record batch).
    for (const [topic, messages] of [[this.topics.salesPerProduct, sales], [this.topics.late, late]] as const) {
      for (let i = 0; i < messages.length; i += OUTPUT_CHUNK) {
        await this.producer.send({ topic, messages: messages.slice(i, i + OUTPUT_CHUNK), acks: -1 });
      }
    }
  }

  /** The partitions of `ends` this instance owns and has not yet read to their end offsets. */
  partitionsBehind(ends: Map<string, number>): string[] {
    if (this.failure) throw this.failure;
    const restored = (key: string) => !key.startsWith(`${this.topics.events}:`) || this.pipelines.has(Number(key.slice(key.lastIndexOf(':') + 1)));
    return [...ends]
      .filter(([key, end]) => this.assigned.has(key) && (!restored(key) || (end > 0 && (this.positions.get(key) ?? 0) < end)))
      .map(([k]) => k);
  }

  /**
   * Resolves once this instance has read every partition it owns up to the given end offsets;
   * fails only when reading makes no progress at all for `stallMs`, however long the input.
   * With `ownAll` (a backfill: the only instance) it also waits until it owns every partition
   * of `ends`. A member of a killed run stays in the group until its session times out, and
   * the partitions it held would otherwise never be read to their end by this run.
   */
  async waitForPositions(ends: Map<string, number>, { ownAll = false, stallMs = 180_000 } = {}): Promise<void> {
    await this.seedPositionsFromCommitted();
    let progress = -1;
    let progressAt = Date.now();
    for (;;) {
      const behind = this.partitionsBehind(ends);
      const unowned = ownAll ? [...ends.keys()].filter((key) => !this.assigned.has(key)) : [];
      if (behind.length === 0 && unowned.length === 0 && this.assigned.size > 0) return;
      const read = [...this.positions.values()].reduce((n, p) => n + p, 0);
      if (read !== progress) {
        progress = read;
        progressAt = Date.now();
      } else if (Date.now() - progressAt > stallMs) {
        const owned = unowned.length > 0 ? `; held by another group member: ${unowned.join(', ')}` : '';
        throw new Error(`aggregator made no progress for ${stallMs} ms: behind ${behind.join(', ') || 'none'}${owned}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * A partition already read to its end before this start (its committed offset is the end)
   * yields no batch at all, so its position comes from the group's committed offsets.
   */
  private async seedPositionsFromCommitted(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const topic of [this.topics.events, this.topics.rejected]) {
        for (const { partition, offset } of await admin.fetchOffsets({ groupId: this.group, topics: [topic] }).then((r) => r[0]?.partitions ?? [])) {
          const key = `${topic}:${partition}`;
          if (Number(offset) > (this.positions.get(key) ?? 0)) this.positions.set(key, Number(offset));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** End of input: every window seen becomes final; everything is written and checkpointed. */
  async finishInput(): Promise<void> {
    await this.ticking;
    for (const p of this.pipelines.values()) p.endOfInput(this.emissions);
    await this.tick(true);
  }

  metrics(): PipelineMetrics {
    const watermark = this.tracker.combined();
    let events = 0;
    let duplicates = 0;
    let late = 0;
    let openWindows = 0;
    let customers = 0;
    for (const p of this.pipelines.values()) {
      events += p.counters.events;
      duplicates += p.counters.duplicates;
      late += p.counters.late;
      openWindows += p.openWindows;
      customers += p.customerCount;
    }
    const finite = Number.isFinite(watermark);
    return {
      consumerLag: { ...this.lag },
      watermark: finite ? watermark : null,
      watermarkDelayMs: finite ? Date.now() - watermark : null,
      eventsInPerSecond: this.rateIn.perSecond(),
      rowsOutPerSecond: this.rateOut.perSecond(),
      eventsTotal: events,
      duplicatesTotal: duplicates,
      lateTotal: late,
      rejectedTotal: this.rejectedTotal,
      openWindows,
      customers,
      latencyMs: { p50: this.latency.percentile(50), p99: this.latency.percentile(99), samples: this.latency.count },
    };
  }

  /** Clean shutdown: a final flush and checkpoint (none after a failure), then disconnect. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.failure) await this.tick(true).catch((err) => this.logger.error({ err }, 'final flush failed'));
    await this.consumer.disconnect().catch((err: Error) => this.logger.warn({ err: err.message }, 'consumer disconnect failed'));
    await this.producer.disconnect().catch((err: Error) => this.logger.warn({ err: err.message }, 'producer disconnect failed'));
  }
}

const OUTPUT_CHUNK = 2000;

/** Retries with exponential backoff for about a minute, then gives up with the last error. */
async function withRetry<T>(logger: Logger, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= RETRY.attempts) throw err;
      const wait = Math.min(RETRY.maxMs, RETRY.baseMs * 2 ** (attempt - 1));
      logger.warn({ err: (err as Error).message, attempt, wait }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** The `<ns>.sales-per-product` record: JSON with the public column names, ids as strings. */
export function salesMessage(r: SalesRow): string {
  return `{"window_start":${r.windowStart},"window_end":${r.windowEnd},"product_id":"${r.productId}","source_partition":${r.partition},"revenue_cents":${r.revenueCents},"purchases":${r.purchases},"views":${r.views},"carts":${r.carts},"removals":${r.removals},"is_final":${r.isFinal},"version":${r.version}}`;
}

function undecodable(topic: string, partition: number, offset: number, reason: string): RejectedRow {
  return { source_file: `kafka:${topic}/${partition}`, source_line: offset, raw_line: '', reason, rejected_at: Date.now() };
}
