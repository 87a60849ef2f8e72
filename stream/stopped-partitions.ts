// Partitions stopped for good because their checkpoint lies past the partition's end: the topic
// was deleted and created again under the checkpoints. Reading on would be wrong either way
// (kafkajs, finding the fetch out of range, reads the partition from its start and the records up
// to the checkpoint's offset would count as processed), so that partition stops, with one error
// line and a `failed` status, and the others go on. Its new owner after a rebalance checks it
// for itself.
import type { EachBatchPayload } from 'kafkajs';
import { ComponentStatus } from '../core/component-status.ts';
import type { Logger } from '../core/logger.ts';
import { OffsetBeyondEndError } from './errors.ts';
import type { PartitionSeek } from './checkpoint-coordinator.ts';
import type { KafkaSource } from './source.ts';

export class StoppedPartitions {
  /** By "topic:partition". */
  private readonly stopped = new Map<string, OffsetBeyondEndError>();
  /** `failed` while any partition is stopped, with the reason (/api/health shows it). */
  readonly status = new ComponentStatus();

  constructor(
    private readonly source: KafkaSource,
    private readonly logger: Logger,
  ) {}

  has(topic: string, partition: number): boolean {
    return this.stopped.has(`${topic}:${partition}`);
  }

  /** The error of a stopped partition among those of `ends` ("topic:partition" keys), if any. */
  within(ends: Map<string, number>): OffsetBeyondEndError | undefined {
    return [...this.stopped].find(([key]) => ends.has(key))?.[1];
  }

  /**
   * Seeks the partitions gained to their checkpoints, except one whose checkpoint lies past the
   * partition's end: it stops instead. The ends are read after the checkpoints, so one its
   * previous owner wrote meanwhile is within them.
   */
  async seek(seeks: PartitionSeek[]): Promise<void> {
    const ends = new Map<string, Map<number, number>>();
    for (const { topic, partition, offset } of seeks) {
      if (offset > 0 && !ends.has(topic)) ends.set(topic, await this.source.endOffsets(topic));
      const end = ends.get(topic)?.get(partition);
      if (end !== undefined && offset > end) this.stop(topic, partition, offset, end);
      else this.source.seek(topic, partition, offset);
    }
  }

  /** After a rebalance: a stopped partition assigned elsewhere is its new owner's to check. */
  release(assignment: Record<string, number[]>): void {
    for (const [key, err] of this.stopped) {
      if ((assignment[err.topic] ?? []).includes(err.partition)) continue;
      this.stopped.delete(key);
      this.source.resume(err.topic, err.partition);
    }
    this.showStatus();
  }

  /** Whether the batch's partition is stopped, or must be: its next offset lies past the batch's high watermark. */
  stoppedAt(batch: EachBatchPayload['batch'], next: number): boolean {
    if (this.has(batch.topic, batch.partition)) return true;
    const end = Number(batch.highWatermark);
    if (next <= end) return false;
    this.stop(batch.topic, batch.partition, next, end);
    return true;
  }

  /**
   * A topic created again under the running job gives no batch until records arrive, so the
   * ends are also compared on a schedule. `offsets` (partition, next offset) are taken before the
   * ends are read: one read meanwhile is still within them. `owned` says whether a partition is
   * still this instance's once the ends are in.
   */
  async checkEnds(topic: string, offsets: Array<readonly [number, number]>, owned: (partition: number) => boolean): Promise<void> {
    try {
      const ends = await this.source.endOffsets(topic);
      for (const [partition, next] of offsets) {
        const end = ends.get(partition);
        if (end !== undefined && next > end && !this.has(topic, partition) && owned(partition)) this.stop(topic, partition, next, end);
      }
    } catch (err) {
      // The next check tries again; a broker away shows in the job's other calls.
      this.logger.warn({ err: (err as Error).message }, 'end offsets check failed');
    }
  }

  private stop(topic: string, partition: number, checkpointOffset: number, end: number): void {
    const err = new OffsetBeyondEndError(topic, partition, checkpointOffset, end);
    this.source.pause(topic, partition);
    this.stopped.set(`${topic}:${partition}`, err);
    this.logger.error({ code: err.code, topic, partition, checkpointOffset, end }, err.message);
    this.showStatus();
  }

  private showStatus(): void {
    const [first, ...others] = this.stopped.values();
    if (!first) return this.status.running();
    const also = others.length > 0 ? ` (also ${others.map((e) => `${e.topic} partition ${e.partition}`).join(', ')})` : '';
    this.status.failed(first.message + also);
  }
}
