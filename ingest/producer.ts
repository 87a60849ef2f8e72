// Produces encoded events, rejected rows and the ledger entry describing them in one Kafka
// transaction (idempotent, transactional producer): all of a batch lands, or none of it.
import { CompressionTypes, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { backoffMs, sleep, type BackoffPolicy } from '../core/backoff.ts';
import type { ComponentStatus } from '../core/component-status.ts';
import { topics } from '../core/topics.ts';
import type { Logger } from '../core/logger.ts';
import type { RejectedRow } from '../core/event.ts';
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

export interface EventProducerOptions {
  /** Shows the producer's recovery in /api/health. */
  status?: ComponentStatus;
  logger?: Logger;
  backoff?: BackoffPolicy;
}

/** Refused at once while the producer is being re-created: the caller retries later. */
export class ProducerUnavailableError extends Error {
  override readonly name = 'ProducerUnavailableError';
  constructor(reason: string) {
    super(`Kafka producer reconnecting after: ${reason}`);
  }
}

/**
 * A transactional producer that recovers by itself. A failed transaction may leave the kafkajs
 * producer unusable (ABORTING, fenced by an epoch bump after a broker restart, disconnected), so
 * after any failure it is thrown away and a new one with the same transactional id is connected,
 * with backoff, for as long as this object is open. Nothing is retried here: the caller re-derives
 * the batch from the ledger, which changes only with a commit.
 */
export class EventProducer {
  private producer: Producer;
  private readonly topics: ReturnType<typeof topics>;
  private recovering?: Promise<void>;
  private lastFailure = '';
  private readonly closing = new AbortController();

  constructor(
    private readonly kafka: Kafka,
    private readonly namespace: string,
    private readonly transactionalId: string,
    private readonly options: EventProducerOptions = {},
  ) {
    this.producer = this.create();
    this.topics = topics(namespace);
  }

  private create(): Producer {
    return this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      // Right after a commit the broker may still be writing its markers and answers the next
      // transaction with CONCURRENT_TRANSACTIONS; retry in tens of ms, not kafkajs's 300 ms.
      retry: { initialRetryTime: 20, maxRetryTime: 2_000, retries: 12 },
    });
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

  /** Resolves once no re-creation is under way (at once when the producer is healthy). */
  whenReady(): Promise<void> {
    return this.recovering ?? Promise.resolve();
  }

  async disconnect(): Promise<void> {
    this.closing.abort();
    await this.recovering;
    await this.producer.disconnect();
  }

  private recover(err: unknown): void {
    this.lastFailure = (err as Error).message;
    this.options.status?.retrying(`Kafka transaction failed: ${this.lastFailure}`);
    if (this.recovering || this.closing.signal.aborted) return;
    this.recovering = this.recreate().finally(() => (this.recovering = undefined));
  }

  private async recreate(): Promise<void> {
    const log = this.options.logger;
    for (let attempt = 1; !this.closing.signal.aborted; attempt++) {
      await this.producer.disconnect().catch(() => undefined);
      this.producer = this.create();
      try {
        await this.connect();
        log?.info({ transactionalId: this.transactionalId, attempt }, 'Kafka producer re-created');
        this.options.status?.running();
        return;
      } catch (err) {
        const wait = backoffMs(attempt, this.options.backoff);
        this.lastFailure = (err as Error).message;
        this.options.status?.retrying(`Kafka producer reconnecting: ${this.lastFailure}`);
        log?.warn({ err: this.lastFailure, attempt, wait, transactionalId: this.transactionalId }, 'Kafka producer not back yet; retrying');
        await sleep(wait, this.closing.signal);
      }
    }
  }

  async commit(batch: EventBatch, ledger?: IngestLedger): Promise<void> {
    if (this.recovering) throw new ProducerUnavailableError(this.lastFailure);
    const topicMessages: TopicMessages[] = [];
    if (batch.events.length > 0) topicMessages.push({ topic: this.topics.events, messages: batch.events });
    if (batch.rejected.length > 0) {
      topicMessages.push({ topic: this.topics.rejected, messages: batch.rejected.map(rejectedMessage) });
    }
    if (batch.ledgerEntry && ledger) {
      topicMessages.push({ topic: ledgerTopic(this.namespace), messages: [ledger.message(batch.ledgerEntry)] });
    }
    if (topicMessages.length === 0) return;
    try {
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
    } catch (err) {
      this.recover(err);
      throw err;
    }
    if (batch.ledgerEntry && ledger) ledger.set(batch.ledgerEntry);
  }
}
