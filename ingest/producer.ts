// Produces encoded events, rejected rows and the ledger entry describing them in one Kafka
// transaction (idempotent, transactional producer): all of a batch lands, or none of it.
import { CompressionTypes, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { topics } from '../src/config.ts';
import type { RejectedRow } from '../src/event.ts';
import { ledgerTopic, type IngestLedger, type LedgerEntry } from './ledger.ts';

export interface EventBatch {
  /** Avro-encoded events keyed by user_id. */
  events: Message[];
  rejected: RejectedRow[];
  ledgerEntry?: LedgerEntry;
}

const REQUEST_BYTES = 512 * 1024;

/** Splits the topics' messages into requests of at most about REQUEST_BYTES of values. */
export function requests(topicMessages: TopicMessages[]): TopicMessages[][] {
  const out: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let chunk: Message[] = [];
    for (const m of messages) {
      const size = (m.value as Buffer | string | null)?.length ?? 0;
      if (bytes + size > REQUEST_BYTES && bytes > 0) {
        if (chunk.length > 0) current.push({ topic, messages: chunk });
        out.push(current);
        current = [];
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += size;
    }
    if (chunk.length > 0) current.push({ topic, messages: chunk });
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function rejectedMessage(row: RejectedRow): Message {
  return { key: row.source_file, value: JSON.stringify(row) };
}

export class EventProducer {
  private readonly producer: Producer;
  private readonly topics: ReturnType<typeof topics>;

  constructor(
    kafka: Kafka,
    private readonly namespace: string,
    transactionalId: string,
  ) {
    this.producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      // Right after a commit the broker may still be writing its markers and answers the next
      // transaction with CONCURRENT_TRANSACTIONS; retry in tens of ms, not kafkajs's 300 ms.
      retry: { initialRetryTime: 20, maxRetryTime: 2_000, retries: 12 },
    });
    this.topics = topics(namespace);
  }

  /**
   * Connects and takes the transactional id at once rather than at the first commit: the broker
   * then aborts a killed predecessor's open transaction, so the ledger can be read to its end.
   */
  async connect(): Promise<void> {
    await this.producer.connect();
    const tx = await this.producer.transaction();
    await tx.abort(); // empty: nothing is sent
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async commit(batch: EventBatch, ledger?: IngestLedger): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    if (batch.events.length > 0) topicMessages.push({ topic: this.topics.events, messages: batch.events });
    if (batch.rejected.length > 0) {
      topicMessages.push({ topic: this.topics.rejected, messages: batch.rejected.map(rejectedMessage) });
    }
    if (batch.ledgerEntry && ledger) {
      topicMessages.push({ topic: ledgerTopic(this.namespace), messages: [ledger.message(batch.ledgerEntry)] });
    }
    if (topicMessages.length === 0) return;
    const tx = await this.producer.transaction();
    try {
      // Each request holds one record batch per partition, and the broker refuses batches over
      // message.max.bytes (1 MiB): large batches go out in several requests of one transaction.
      for (const request of requests(topicMessages)) {
        await tx.sendBatch({ topicMessages: request, acks: -1, compression: CompressionTypes.None });
      }
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    if (batch.ledgerEntry && ledger) ledger.set(batch.ledgerEntry);
  }
}
