// The ports of the engine: what the aggregator job needs from the store it writes to. The
// engine names them and aggregates/ implements them (StoreTables, StoreCheckpoints); cli/runtime.ts
// wires the two together, so the engine never imports the store.
import type { Checkpoint, StateEntry, StoredCheckpoint } from '../core/checkpoint.ts';
import type { RejectedRow, ShopEvent } from '../core/event.ts';
import type { ClvModelRow, CustomerForecastRow, CustomerRow, LateRow, SalesRow, SessionRow } from '../core/result-rows.ts';

/**
 * The events table's rows between two flushes, in whatever form the store writes fastest. An
 * event the table cannot hold is handed to `reject` at the write, with the reason.
 */
export interface EventBuffer {
  readonly length: number;
  add(event: ShopEvent): void;
  /** Empty again, keeping its buffers. */
  clear(): void;
  write(reject: (event: ShopEvent, reason: string) => void): Promise<void>;
}

/**
 * The public tables the job's results go to. Every write is an upsert (writing a row again after
 * a crash replaces it), and a write refused for its rows' data fails with an error for which
 * `isDataError` is true, so the sink can bisect the rows it refuses out of the batch.
 */
export interface ResultTables {
  eventBuffer(): EventBuffer;
  writeSales(rows: SalesRow[]): Promise<void>;
  writeCustomers(rows: CustomerRow[]): Promise<void>;
  writeLate(rows: LateRow[]): Promise<void>;
  writeSessions(rows: SessionRow[]): Promise<void>;
  writeForecasts(rows: CustomerForecastRow[]): Promise<void>;
  writeClvModels(rows: ClvModelRow[]): Promise<void>;
  /** The latest lifetime-value model the stream fitted (the one in force when the job starts), if any. */
  latestClvModel(): Promise<ClvModelRow | undefined>;
  writeRejected(rows: RejectedRow[]): Promise<void>;
  isDataError(err: unknown): boolean;
}

/**
 * Where the job's checkpoints live. A save writes the checkpoints' state entries first and their
 * offsets and progress last: that last write commits them, and a crash before it leaves the
 * previous checkpoints in force.
 */
export interface CheckpointStore {
  save(checkpoints: Checkpoint[]): Promise<void>;
  /**
   * The partition's latest committed checkpoint, or undefined; the state at it (the latest entry
   * per key of its segment up to its epoch, deleted keys left out) goes to `onEntry` first.
   */
  load(topic: string, partition: number, onEntry: (entry: StateEntry) => void): Promise<StoredCheckpoint | undefined>;
  /** Removes the partition's segments before `segment`, which a committed compaction replaced. */
  discardBefore(topic: string, partition: number, segment: number): Promise<void>;
}

/** The job's connections to the store. */
export interface JobStore {
  tables: ResultTables;
  checkpoints: CheckpointStore;
}
