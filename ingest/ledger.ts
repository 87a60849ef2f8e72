// The file ledger: per file (by content hash) its name, size and the last line Kafka has
// acknowledged. It lives in a compacted topic and is written in the same Kafka transaction as
// the rows it describes, so rows and ledger can never disagree: a crash at any moment leaves
// either both or neither, and a restart resumes right after the last committed line.
import type { Consumer, Kafka } from 'kafkajs';

export interface LedgerEntry {
  hash: string;
  name: string;
  size: number;
  /** Last physical line of the file whose row is committed in Kafka (the header is line 1). */
  lastLine: number;
  done: boolean;
  rows: number;
  rejected: number;
  updatedAt: number;
}

export function ledgerTopic(namespace: string): string {
  return `${namespace}.ingest-ledger`;
}

export class IngestLedger {
  private readonly entries = new Map<string, LedgerEntry>();

  get(hash: string): LedgerEntry | undefined {
    return this.entries.get(hash);
  }

  set(entry: LedgerEntry): void {
    this.entries.set(entry.hash, entry);
  }

  message(entry: LedgerEntry) {
    return { key: entry.hash, value: JSON.stringify(entry) };
  }

  /** Reads the committed ledger from the beginning to its end (read_committed); ensureTopics made the topic. */
  static async load(kafka: Kafka, namespace: string): Promise<IngestLedger> {
    const ledger = new IngestLedger();
    const topic = ledgerTopic(namespace);
    const admin = kafka.admin();
    await admin.connect();
    let end: number;
    try {
      const [offsets] = await admin.fetchTopicOffsets(topic);
      end = Number(offsets?.high ?? 0);
    } finally {
      await admin.disconnect();
    }
    if (end === 0) return ledger;
    // A throwaway group (kafkajs reads only in a group), deleted once the ledger is read.
    const groupId = `${namespace}.ledger-reader-${process.pid}-${Date.now()}`;
    const consumer: Consumer = kafka.consumer({ groupId });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        // Transaction markers take offsets that are never delivered, so the last data record can
        // sit one or two offsets below the end; quiet time after the last record settles it.
        let quiet: NodeJS.Timeout = setTimeout(resolve, 3000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              if (message.value) ledger.set(JSON.parse(message.value.toString()) as LedgerEntry);
              clearTimeout(quiet);
              if (Number(message.offset) >= end - 2) resolve();
              else quiet = setTimeout(resolve, 3000);
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
    return ledger;
  }
}
