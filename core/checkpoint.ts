// The checkpoint records the engine writes and the store keeps (stream/result-tables.ts,
// aggregates/checkpoints.ts).

/** One key's entry of a keyed state as a checkpoint holds it: `value` null for a key deleted. */
export interface StateEntry {
  state: string;
  key: string;
  value: string | null;
}

/**
 * Per input partition: the next offset, the progress outside the keyed state, and the keyed
 * state's entries changed since the partition's previous checkpoint, written together. A
 * partition's checkpoints are numbered (`epoch`) and form a changelog in segments: each segment
 * starts with a compaction (a checkpoint whose entries are all of the state: `epoch === segment`),
 * and the state at a checkpoint is its segment's entries up to its epoch, the latest per key.
 */
export interface Checkpoint {
  topic: string;
  partition: number;
  nextOffset: number;
  progress: string;
  epoch: number;
  segment: number;
  changes: StateEntry[];
}

/** A checkpoint as loaded back (its entries are handed over one by one). */
export interface StoredCheckpoint {
  nextOffset: number;
  progress: string;
  epoch: number;
  segment: number;
  /** The highest epoch written for the partition, committed or not: the next checkpoint's must be above it. */
  latestEpoch: number;
}
