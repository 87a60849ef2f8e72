// The aggregator's checkpoints (the engine's CheckpointStore). The keyed state's entries go to
// stream_state, a changelog appended by every checkpoint and read back per segment; the offsets
// and progress go to stream_checkpoints, one row per checkpoint, written after the entries: that
// row commits the checkpoint. The latest committed checkpoint of a partition is its highest next
// offset, and among equal offsets its highest epoch.
//
// Both live in the store (not in a compacted Kafka topic) so a checkpoint and its state share one
// system: nothing to create per namespace, the state readable with SQL, and a restore that is
// one GROUP BY over the segment instead of a topic read to its end.
import type { Checkpoint, StateEntry, StoredCheckpoint } from '../core/checkpoint.ts';
import { columns, insertRows } from './native-insert.ts';
import type { Store } from './store.ts';

const STATE_COLUMNS = columns([
  ['consumer_group', 'String'],
  ['topic', 'String'],
  ['partition', 'UInt32'],
  ['segment', 'UInt64'],
  ['epoch', 'UInt64'],
  ['state', 'String'],
  ['key', 'String'],
  ['value', 'String'],
  ['deleted', 'UInt8'],
]);

interface PartitionParams extends Record<string, unknown> {
  group: string;
  topic: string;
  partition: number;
}

export class StoreCheckpoints {
  constructor(
    private readonly store: Store,
    private readonly consumerGroup: string,
  ) {}

  /** Writes the checkpoints' entries, then commits them. */
  async save(checkpoints: Checkpoint[]): Promise<void> {
    await this.writeEntries(checkpoints);
    await this.commit(checkpoints);
  }

  /** The first half of a save: the entries, in force only once their checkpoints are committed. */
  async writeEntries(checkpoints: Checkpoint[]): Promise<void> {
    const entries = checkpoints.flatMap((c) => c.changes.map((entry) => ({ c, entry })));
    await insertRows(this.store, 'stream_state', STATE_COLUMNS, entries, (out, { c, entry }) =>
      out
        .text(this.consumerGroup)
        .text(c.topic)
        .uint(c.partition)
        .uint(c.segment)
        .uint(c.epoch)
        .text(entry.state)
        .text(entry.key)
        .text(entry.value ?? '')
        .uint(entry.value === null ? 1 : 0),
    );
  }

  /** The second half of a save: the checkpoints' offsets and progress, which put their entries in force. */
  async commit(checkpoints: Checkpoint[]): Promise<void> {
    if (checkpoints.length === 0) return;
    await this.store.client.insert({
      table: `${this.store.database}.stream_checkpoints`,
      format: 'JSONEachRow',
      values: checkpoints.map((c) => ({
        consumer_group: this.consumerGroup,
        topic: c.topic,
        partition: c.partition,
        next_offset: c.nextOffset,
        state: c.progress,
        epoch: c.epoch,
        segment: c.segment,
        version: c.nextOffset,
      })),
    });
  }

  async load(topic: string, partition: number, onEntry: (entry: StateEntry) => void): Promise<StoredCheckpoint | undefined> {
    const params: PartitionParams = { group: this.consumerGroup, topic, partition };
    const db = this.store.database;
    const where = 'consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}';
    const [row] = await this.rows<{ next_offset: string; state: string; epoch: string; segment: string }>(
      `SELECT next_offset, state, epoch, segment FROM ${db}.stream_checkpoints WHERE ${where} ORDER BY version DESC, epoch DESC LIMIT 1`,
      params,
    );
    if (!row) return undefined;
    const [latest] = await this.rows<{ epoch: string }>(`SELECT max(epoch) AS epoch FROM ${db}.stream_state WHERE ${where}`, params);
    const checkpoint: StoredCheckpoint = {
      nextOffset: Number(row.next_offset),
      progress: row.state,
      epoch: Number(row.epoch),
      segment: Number(row.segment),
      latestEpoch: Math.max(Number(row.epoch), Number(latest?.epoch ?? 0)),
    };
    if (checkpoint.epoch === 0) return checkpoint;
    const result = await this.store.client.query({
      query: `SELECT state, key, argMax(value, epoch) AS value FROM ${db}.stream_state
              WHERE ${where} AND segment = {segment:UInt64} AND epoch <= {epoch:UInt64}
              GROUP BY state, key HAVING argMax(deleted, epoch) = 0`,
      query_params: { ...params, segment: checkpoint.segment, epoch: checkpoint.epoch },
      format: 'JSONEachRow',
    });
    for await (const rows of result.stream<{ state: string; key: string; value: string }>()) {
      for (const r of rows) onEntry(r.json());
    }
    return checkpoint;
  }

  async discardBefore(topic: string, partition: number, segment: number): Promise<void> {
    // A command, with the values written in: the embedded engine binds no parameters in one (and
    // a DELETE takes no FORMAT, which the query path adds). They are ours, never a user's: the
    // group and topic are namespace names ([a-z0-9_.-]), checked again here; the numbers integers.
    for (const name of [this.consumerGroup, topic]) if (!/^[a-z0-9_.-]+$/.test(name)) throw new Error(`not a namespace name: ${name}`);
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(segment)) throw new Error(`not a partition and segment: ${partition}, ${segment}`);
    await this.store.client.command({
      query: `DELETE FROM ${this.store.database}.stream_state
              WHERE consumer_group = '${this.consumerGroup}' AND topic = '${topic}' AND partition = ${partition} AND segment < ${segment}`,
    });
  }

  private async rows<T>(query: string, params: PartitionParams): Promise<T[]> {
    const result = await this.store.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }
}
