// Checkpoint coordination of the aggregator job: the state this instance owns (a pipeline per
// events partition, an offset per rejected-rows partition), restored from its checkpoint when a
// rebalance assigns the partition, released when another instance takes it, and checkpointed:
// each partition's keyed state changed since its previous checkpoint, with its input offset
// (in the CheckpointStore the job is given; a compaction now and then, see state/changelog.ts).
import type { Checkpoint } from '../core/checkpoint.ts';
import type { Logger } from '../core/logger.ts';
import type { EngineOptions } from './defaults.ts';
import { legacyCheckpoint } from './legacy-checkpoint.ts';
import { PartitionPipeline } from './partition-pipeline.ts';
import type { CheckpointStore } from './result-tables.ts';
import { withRetry, type WriteRetries } from './retry.ts';
import { PartitionChangelog, type CompactionPolicy } from './state/changelog.ts';

export interface CheckpointTopics {
  events: string;
  rejected: string;
}

/** Where a partition gained resumes. */
export interface PartitionSeek {
  topic: string;
  partition: number;
  offset: number;
}

export interface CheckpointOptions extends EngineOptions {
  checkpointIntervalMs: number;
  compaction?: CompactionPolicy;
}

export class CheckpointCoordinator {
  private readonly pipelines = new Map<number, PartitionPipeline>();
  private readonly changelogs = new Map<number, PartitionChangelog>();
  private readonly restoring = new Map<number, Promise<PartitionPipeline>>();
  /** Rejected-rows partitions carry no state but their offsets. */
  private readonly rejectedOffsets = new Map<number, number>();
  private lastCheckpointAt = 0;
  private checkpointCostMs = 0;

  constructor(
    private readonly store: CheckpointStore,
    private readonly topics: CheckpointTopics,
    private readonly options: CheckpointOptions,
    private readonly logger: Logger,
    private readonly retries?: WriteRetries,
  ) {}

  /** The pipelines of the events partitions restored so far, by partition. */
  get partitions(): ReadonlyMap<number, PartitionPipeline> {
    return this.pipelines;
  }

  /** Whether the state of "topic:partition" is loaded (rejected-rows partitions have none to load). */
  restored(key: string): boolean {
    return !key.startsWith(`${this.topics.events}:`) || this.pipelines.has(Number(key.slice(key.lastIndexOf(':') + 1)));
  }

  /**
   * A newly assigned partition is restored at once, not at its first batch: one already read to
   * its end gets no batch, yet its open windows must still be there to close at end of input.
   * Answers where each partition gained resumes: the checkpoint, not the group's committed
   * offset, says so (they differ if a crash fell between writing one and committing the other).
   */
  async restore(assignment: Record<string, number[]>): Promise<PartitionSeek[]> {
    const seeks: PartitionSeek[] = [];
    for (const partition of assignment[this.topics.events] ?? []) {
      if (this.pipelines.has(partition)) continue;
      const pipeline = await this.pipelineFor(partition);
      seeks.push({ topic: this.topics.events, partition, offset: pipeline.nextOffset });
    }
    for (const partition of assignment[this.topics.rejected] ?? []) {
      if (this.rejectedOffsets.has(partition)) continue;
      const checkpoint = await this.store.load(this.topics.rejected, partition, () => undefined);
      seeks.push({ topic: this.topics.rejected, partition, offset: checkpoint?.nextOffset ?? 0 });
    }
    return seeks;
  }

  /** After a rebalance: drops the state of partitions not assigned any more; answers the events partitions dropped. */
  release(assignment: Record<string, number[]>): number[] {
    const mine = new Set(assignment[this.topics.events] ?? []);
    const dropped: number[] = [];
    for (const partition of [...this.pipelines.keys()]) {
      if (mine.has(partition)) continue;
      // Another instance restores this partition from its checkpoint.
      this.pipelines.delete(partition);
      this.changelogs.delete(partition);
      dropped.push(partition);
    }
    const mineRejected = new Set(assignment[this.topics.rejected] ?? []);
    for (const partition of [...this.rejectedOffsets.keys()]) {
      if (!mineRejected.has(partition)) this.rejectedOffsets.delete(partition);
    }
    return dropped;
  }

  /** The partition's pipeline, restored from its checkpoint once (concurrent callers share it). */
  pipelineFor(partition: number): Promise<PartitionPipeline> {
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
    const started = Date.now();
    const pipeline = new PartitionPipeline(partition, this.options);
    const changelog = new PartitionChangelog(this.options.compaction);
    let entries = 0;
    const checkpoint = await this.store.load(this.topics.events, partition, (entry) => {
      pipeline.restoreEntry(entry);
      entries += 1;
    });
    if (checkpoint) {
      // A checkpoint of a build before keyed state holds all of it in its progress.
      const legacy = checkpoint.epoch === 0 ? legacyCheckpoint(checkpoint.progress) : undefined;
      for (const entry of legacy?.entries ?? []) pipeline.restoreEntry(entry);
      pipeline.restored(checkpoint.nextOffset, legacy?.progress ?? checkpoint.progress);
      changelog.restoredFrom(checkpoint, entries);
      const { keys } = pipeline.stateSize();
      this.logger.info({ partition, nextOffset: checkpoint.nextOffset, epoch: checkpoint.epoch, entries, keys, ms: Date.now() - started }, 'partition restored from checkpoint');
    }
    this.pipelines.set(partition, pipeline);
    this.changelogs.set(partition, changelog);
    return pipeline;
  }

  /** The next offset of a rejected-rows partition, loaded from its checkpoint the first time. */
  async rejectedOffset(partition: number): Promise<number> {
    let next = this.rejectedOffsets.get(partition);
    if (next === undefined) {
      next = (await this.store.load(this.topics.rejected, partition, () => undefined))?.nextOffset ?? 0;
      this.rejectedOffsets.set(partition, next);
    }
    return next;
  }

  setRejectedOffset(partition: number, next: number): void {
    this.rejectedOffsets.set(partition, next);
  }

  /** Counting starts with the job: the first checkpoint falls one interval after it. */
  started(now: number): void {
    this.lastCheckpointAt = now;
  }

  isDue(now: number, force: boolean): boolean {
    // As a checkpoint's cost grows (many keys changed, a compaction) the interval stretches so
    // that taking them stays under a tenth of the time.
    const interval = Math.max(this.options.checkpointIntervalMs, 10 * this.checkpointCostMs);
    return force || now - this.lastCheckpointAt >= interval;
  }

  /** The state changed since the previous checkpoint with its offsets, taken in one synchronous step. */
  snapshot(): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (const [partition, p] of this.pipelines) {
      const changelog = this.changelogs.get(partition)!;
      const position = changelog.next(p.stateSize().keys);
      const { nextOffset, progress, changes } = p.checkpoint(position.compact);
      changelog.taken(position, changes.length);
      out.push({ topic: this.topics.events, partition, nextOffset, progress, epoch: position.epoch, segment: position.segment, changes });
    }
    for (const [partition, nextOffset] of this.rejectedOffsets) {
      out.push({ topic: this.topics.rejected, partition, nextOffset, progress: '', epoch: 0, segment: 0, changes: [] });
    }
    return out;
  }

  /**
   * Writes a snapshot; `snapshotMs` (the time it took) and the write time set the next interval.
   * Answers the checkpoint's whole cost in ms.
   */
  async write(checkpoints: Checkpoint[], snapshotMs: number): Promise<number> {
    const saveStarted = Date.now();
    await withRetry(this.logger, 'checkpoint', () => this.store.save(checkpoints), this.retries);
    this.checkpointCostMs = snapshotMs + (Date.now() - saveStarted);
    for (const c of checkpoints) {
      if (c.epoch === 0 || c.epoch !== c.segment) continue;
      // A compaction is committed: the segments before it are never read again. Removing them
      // can wait; one left behind by a failure goes with the next compaction.
      void this.store.discardBefore(c.topic, c.partition, c.segment).catch((err: unknown) => this.logger.warn({ err, partition: c.partition }, 'old checkpoint segments not removed yet'));
    }
    return this.checkpointCostMs;
  }

  /** The checkpoint taken at `now` is written and its offsets committed. */
  completed(now: number): void {
    this.lastCheckpointAt = now;
  }
}
