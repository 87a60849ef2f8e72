// The checkpoint record the engine writes and the store keeps (stream/result-tables.ts,
// aggregates/checkpoints.ts).

/** Per input partition: the next offset and the operator state, written together. */
export interface Checkpoint {
  topic: string;
  partition: number;
  nextOffset: number;
  state: string;
}
