// The Kafka source of the aggregator job: the consumer in the aggregator's group on the events
// and rejected-rows topics, its rebalances (group join: the partitions this instance owns), the
// read position and lag per partition, seeks to checkpointed offsets and the offset commit that
// follows a checkpoint. It knows nothing of state: the job decides where each partition resumes.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { fetchEndOffsets } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';

/** What the job does with what the source reports. */
export interface SourceHandlers {
  eachBatch(payload: EachBatchPayload): Promise<void>;
  /** A rebalance gave this instance these partitions (topic -> partitions); the others are gone. */
  onAssignment(assignment: Record<string, number[]>): void;
  /** The consumer crashed and will not restart by itself. */
  onCrash(err: Error): void;
}

/** An input position to commit: where the partition resumes. */
export interface SourceOffset {
  topic: string;
  partition: number;
  nextOffset: number;
}

export interface PositionWait {
  /** Also wait until this instance owns every partition of `ends` (a backfill: the only instance). */
  ownAll?: boolean;
  /** Fail when reading makes no progress at all for this long. */
  stallMs?: number;
}

export class KafkaSource {
  private readonly consumer: Consumer;
  /** Consumer position per "topic:partition", past transaction markers too. */
  private readonly positions = new Map<string, number>();
  private readonly lag: Record<string, number> = {};
  /** "topic:partition" this instance owns since the last rebalance. */
  private assigned = new Set<string>();
  /** "topic:partition" whose batch in hand was sent back unprocessed (see rewind). */
  private readonly unread = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly group: string,
    private readonly topics: readonly string[],
    private readonly logger: Logger,
  ) {
    // A short session lets a restarted instance take its partitions back soon after a kill -9.
    // A fetch with nothing to read waits at most 100 ms (kafkajs waits 5 s), since a disconnect
    // waits for the fetch in flight, and every backfill ends with one.
    // Under load a fetch returns as soon as it has records.
    this.consumer = kafka.consumer({
      groupId: group,
      readUncommitted: false,
      maxBytes: 16 << 20,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
  }

  async start(handlers: SourceHandlers): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    const { END_BATCH_PROCESS, GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      // Also reported for batches holding only transaction markers, which eachBatch never sees.
      const next = Number(payload.lastOffset) + 1;
      const key = `${payload.topic}:${payload.partition}`;
      if (this.unread.delete(key)) return;
      if (next > (this.positions.get(key) ?? 0)) this.positions.set(key, next);
      this.lag[key] = Math.max(0, Number(payload.offsetLag));
    });
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.assigned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)),
      );
      this.logger.info({ assignment: payload.memberAssignment }, 'partitions assigned');
      handlers.onAssignment(payload.memberAssignment);
    });
    this.consumer.on(CRASH, ({ payload }) => {
      if (!payload.restart) handlers.onCrash(payload.error);
    });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => handlers.eachBatch(p) });
  }

  seek(topic: string, partition: number, offset: number): void {
    this.consumer.seek({ topic, partition, offset: String(offset) });
  }

  /** Stops fetching the partition (kafkajs keeps it paused across rebalances until resumed). */
  pause(topic: string, partition: number): void {
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  resume(topic: string, partition: number): void {
    this.consumer.resume([{ topic, partitions: [partition] }]);
  }

  /** The end offset (high watermark) of each partition of `topic`, from a fresh admin client: a long-lived one keeps the metadata of a topic deleted and created again. */
  async endOffsets(topic: string): Promise<Map<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return new Map((await fetchEndOffsets(admin, topic)).map(({ partition, end }) => [partition, end]));
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * From inside eachBatch: the batch in hand starts past what the state holds (a fetch that held
   * only transaction markers moved the consumer on), so it is read again from `offset`. It must
   * not count as read: its end-of-batch event would set the position to the partition's end
   * while its events are still unprocessed, and a backfill would then close the windows early.
   */
  rewind(topic: string, partition: number, offset: number): void {
    this.unread.add(`${topic}:${partition}`);
    this.seek(topic, partition, offset);
  }

  /**
   * Tells Kafka (and lag monitors) where we are. During a rebalance the commit is refused, which
   * is harmless: the checkpoint, not the group offset, says where a partition resumes.
   */
  async commit(offsets: readonly SourceOffset[]): Promise<void> {
    await this.consumer
      .commitOffsets(offsets.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.nextOffset) })))
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'offset commit refused; the checkpoint stands'));
  }

  /** Offset lag per "topic:partition" at the end of the latest batch. */
  consumerLag(): Record<string, number> {
    return { ...this.lag };
  }

  /**
   * The partitions of `ends` this instance owns and has not yet read to their end offsets; one
   * not `restored` yet (its state still loading) counts as behind whatever its position.
   */
  partitionsBehind(ends: Map<string, number>, restored: (key: string) => boolean): string[] {
    return [...ends]
      .filter(([key, end]) => this.assigned.has(key) && (!restored(key) || (end > 0 && (this.positions.get(key) ?? 0) < end)))
      .map(([k]) => k);
  }

  /**
   * Resolves once `behind` names no partition; fails only when reading makes no progress at all
   * for `stallMs`, however long the input. With `ownAll` (a backfill: the only instance) it also
   * waits until it owns every partition of `ends`. A member of a killed run stays in the group
   * until its session times out, and the partitions it held would otherwise never be read to
   * their end by this run.
   */
  async waitForPositions(ends: Map<string, number>, behindOf: (ends: Map<string, number>) => string[], { ownAll = false, stallMs = 180_000 }: PositionWait = {}): Promise<void> {
    await this.seedPositionsFromCommitted();
    let progress = -1;
    let progressAt = Date.now();
    for (;;) {
      const behind = behindOf(ends);
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
      for (const topic of this.topics) {
        for (const { partition, offset } of await admin.fetchOffsets({ groupId: this.group, topics: [topic] }).then((r) => r[0]?.partitions ?? [])) {
          const key = `${topic}:${partition}`;
          if (Number(offset) > (this.positions.get(key) ?? 0)) this.positions.set(key, Number(offset));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect().catch((err: Error) => this.logger.warn({ err: err.message }, 'consumer disconnect failed'));
  }
}
