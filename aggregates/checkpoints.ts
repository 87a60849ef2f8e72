// The aggregator's checkpoints (the engine's CheckpointStore) in the stream_checkpoints table:
// per input partition, the next offset and the operator state, written together in one row.
// The highest next offset wins.
import type { Checkpoint } from '../core/checkpoint.ts';
import type { Store } from './store.ts';

export class StoreCheckpoints {
  constructor(
    private readonly store: Store,
    private readonly consumerGroup: string,
  ) {}

  async save(checkpoints: Checkpoint[]): Promise<void> {
    if (checkpoints.length === 0) return;
    await this.store.client.insert({
      table: `${this.store.database}.stream_checkpoints`,
      format: 'JSONEachRow',
      values: checkpoints.map((c) => ({
        consumer_group: this.consumerGroup,
        topic: c.topic,
        partition: c.partition,
        next_offset: c.nextOffset,
        state: c.state,
        version: c.nextOffset,
      })),
    });
  }

  async load(topic: string, partition: number): Promise<Checkpoint | undefined> {
    const result = await this.store.client.query({
      query: `SELECT next_offset, state FROM ${this.store.database}.stream_checkpoints FINAL
              WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}
              ORDER BY version DESC LIMIT 1`,
      query_params: { group: this.consumerGroup, topic, partition },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ next_offset: string; state: string }>();
    return row ? { topic, partition, nextOffset: Number(row.next_offset), state: row.state } : undefined;
  }
}
