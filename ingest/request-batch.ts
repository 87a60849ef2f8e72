// The Kafka records of one HTTP-source request (POST /api/events, docs/design.md): its events
// Avro-encoded for <ns>.events (key user_id) and its rejected rows, made as its body is read and
// committed in one Kafka transaction. An event's identity is (http:<request id>, item number or
// physical CSV line).
import type { Message } from 'kafkajs';
import { encodeEvent } from '../core/avro.ts';
import { eventKey, type RejectedRow, type ShopEvent } from '../core/event.ts';
import { BodyError } from './errors.ts';
import { rejectedMessage, type EventProducer } from './producer.ts';
import type { RejectedLine } from './rejected-line.ts';

/**
 * What one request may produce. The producer sends a transaction in requests of 512 KiB, under
 * the broker's message.max.bytes, so this bounds memory and transaction time, not Kafka. A 5 MiB
 * body of rows produces about 1.2 times its size (2 times for rows of a few fields), rejected
 * rows of ordinary length 3-5 times: well under it; only a body of mostly tiny bad lines (each
 * rejection is about 200 bytes) goes beyond.
 */
export const MAX_TRANSACTION_BYTES = 32 << 20;

/** A request's source_file (http:<request id>) is unique by itself: its rows need no file id beside it. */
export const REQUEST_FILE_ID = '';

/**
 * The Kafka records of a request, counted as they are made: past `maxBytes` the request is
 * rejected (413) at once, before the rest of its body is parsed and held.
 */
export class RequestBatch {
  readonly events: Message[] = [];
  readonly rejected: RejectedRow[] = [];
  private bytes = 0;

  constructor(
    readonly sourceFile: string,
    private readonly schemaId: number,
    private readonly maxBytes: number = MAX_TRANSACTION_BYTES,
  ) {}

  accept(event: ShopEvent): void {
    const message = { key: eventKey(event), value: encodeEvent(this.schemaId, event) };
    this.count(message.key.length + message.value.length, event.source_line);
    this.events.push(message);
  }

  reject({ source_line, raw_line, reason }: RejectedLine, rejected_at = Date.now()): void {
    const row: RejectedRow = { source_file: this.sourceFile, source_file_id: REQUEST_FILE_ID, source_line, raw_line, reason, rejected_at };
    this.count(Buffer.byteLength(String(rejectedMessage(row).value)) + this.sourceFile.length, source_line);
    this.rejected.push(row);
  }

  private count(bytes: number, line: number): void {
    this.bytes += bytes;
    if (this.bytes <= this.maxBytes) return;
    throw new BodyError(
      `the request would produce more than ${this.maxBytes} bytes of events and rejected rows (one Kafka transaction) by its row ${line}: split it`,
      413,
    );
  }
}

/** Commits requests' batches through one transactional producer, which runs one transaction at a time: in turn. */
export class BatchCommitter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly producer: EventProducer) {}

  commit({ events, rejected }: RequestBatch): Promise<void> {
    const done = this.queue.then(() => this.producer.commit({ events, rejected }));
    this.queue = done.catch(() => undefined);
    return done;
  }
}
