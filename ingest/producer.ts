// Produces encoded events, rejected rows and the ledger entry describing them in one Kafka
// transaction (idempotent, transactional producer): all of a batch lands, or none of it.
import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import { topics } from '../src/config.ts';
import type { RejectedRow } from '../src/event.ts';
import { ledgerTopic, type IngestLedger, type LedgerEntry } from './ledger.ts';

export interface EventBatch {
  /** Avro-encoded events keyed by user_id. */
  events: Message[];
  rejected: RejectedRow[];
  ledgerEntry?: LedgerEntry;
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
    });
    this.topics = topics(namespace);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async commit(batch: EventBatch, ledger?: IngestLedger): Promise<void> {
    const topicMessages = [];
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
      await tx.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    if (batch.ledgerEntry && ledger) ledger.set(batch.ledgerEntry);
  }
}
