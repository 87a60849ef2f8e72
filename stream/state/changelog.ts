// Where one partition's keyed state stands in its changelog: the epoch of its latest checkpoint,
// the segment that checkpoint belongs to, and how many entries the segment holds. Every
// checkpoint appends the entries changed since the previous one; once the segment holds many
// more entries than the state has keys, the next checkpoint is a compaction: all of the state,
// starting a new segment, so a restore never reads more than a bounded multiple of the state.
// Like Kafka Streams' compacted changelog topics, with the compaction done by the writer.
import type { StoredCheckpoint } from '../../core/checkpoint.ts';

export interface CompactionPolicy {
  /** A segment is compacted once it holds more than this many entries per live key... */
  entriesPerKey: number;
  /** ...plus this many (so small states are not rewritten at every checkpoint). */
  minEntries: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = { entriesPerKey: 2, minEntries: 50_000 };

/** The epoch and segment a checkpoint is written under, and whether it is a compaction. */
export interface ChangelogPosition {
  epoch: number;
  segment: number;
  compact: boolean;
}

export class PartitionChangelog {
  /** The epoch of the latest checkpoint taken (0: none yet). */
  private epoch = 0;
  private segment = 0;
  private segmentEntries = 0;
  /** The next checkpoint must compact: no segment yet, or the changelog holds entries no checkpoint committed. */
  private mustCompact = true;

  constructor(private readonly policy: CompactionPolicy = DEFAULT_COMPACTION) {}

  /**
   * A restored checkpoint and the entries its segment held. Entries written after it (a crash
   * between writing a checkpoint's entries and committing it) lie above its epoch: the next
   * epoch is above them, and it starts a new segment, so they are never read.
   */
  restoredFrom(stored: StoredCheckpoint, segmentEntries: number): void {
    this.epoch = Math.max(stored.epoch, stored.latestEpoch);
    this.segment = stored.segment;
    this.segmentEntries = segmentEntries;
    this.mustCompact = stored.epoch === 0 || stored.latestEpoch > stored.epoch;
  }

  /** The position of the next checkpoint, for a state of `liveKeys` keys. */
  next(liveKeys: number): ChangelogPosition {
    const epoch = this.epoch + 1;
    const compact = this.mustCompact || this.segmentEntries > this.policy.entriesPerKey * liveKeys + this.policy.minEntries;
    return { epoch, segment: compact ? epoch : this.segment, compact };
  }

  /** The checkpoint at `position` was taken with `entries` entries. */
  taken(position: ChangelogPosition, entries: number): void {
    this.epoch = position.epoch;
    this.segment = position.segment;
    this.segmentEntries = position.compact ? entries : this.segmentEntries + entries;
    this.mustCompact = false;
  }
}
