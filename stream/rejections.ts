// The rejected rows the engine makes: an event it must not process, a record it cannot decode,
// a row the store refuses. Each is kept under its own identity (file, file id, line) when it has
// one, else under where it is in Kafka or in the store.
import type { RejectedRow, ShopEvent } from '../core/event.ts';
import { hasLineNumber } from './event-decoder.ts';

export function jsonBigInt(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** An event the engine or the store will not take, kept under its own identity. */
export function eventRejection(event: ShopEvent, reason: string): RejectedRow {
  return {
    source_file: event.source_file,
    source_file_id: event.source_file_id,
    source_line: event.source_line,
    raw_line: JSON.stringify(event, jsonBigInt),
    reason,
    rejected_at: Date.now(),
  };
}

/** An aggregate row the store refuses: named by its table and key (no source line of its own). */
export function aggregateRejection(what: string, row: object, reason: string): RejectedRow {
  return { source_file: `aggregate:${what}`, source_file_id: '', source_line: 0, raw_line: JSON.stringify(row, jsonBigInt), reason, rejected_at: Date.now() };
}

/** A record rejected without a source line of its own is known by where it is in Kafka. */
function kafkaPosition(topic: string, partition: number, offset: number): Pick<RejectedRow, 'source_file' | 'source_file_id' | 'source_line'> {
  return { source_file: `kafka:${topic}/${partition}`, source_file_id: '', source_line: offset };
}

/** An event the engine must not process, rejected under its source line when it has one. */
export function unprocessable(topic: string, partition: number, offset: number, event: ShopEvent, reason: string): RejectedRow {
  const rejection = eventRejection(event, reason);
  return hasLineNumber(event) ? rejection : { ...rejection, ...kafkaPosition(topic, partition, offset) };
}

/** A record the engine cannot decode into an event. */
export function undecodable(topic: string, partition: number, offset: number, reason: string): RejectedRow {
  return { ...kafkaPosition(topic, partition, offset), raw_line: '', reason, rejected_at: Date.now() };
}

/** A record of `<ns>.events-rejected`: rows a connector wrote before file ids existed have none, '' as in the migrated events table. */
export function rejectedRecord(value: Buffer): RejectedRow {
  return { source_file_id: '', ...(JSON.parse(value.toString()) as Omit<RejectedRow, 'source_file_id'> & Partial<RejectedRow>) };
}
