// The file ledger: per file (by content hash) its name, its id in the events table, size and the last
// line Kafka has acknowledged. It lives in a compacted topic and is written in the same Kafka transaction as
// the rows it describes, so rows and ledger can never disagree: a crash at any moment leaves
// either both or neither, and a restart resumes right after the last committed line.
// Each connector instance (core/instance-id.ts) has its own entries, keyed `<instance>:<hash>`:
// it resumes only its own files. Entries written before instances existed (keyed by the hash
// alone, no instance) are every instance's, so an upgraded namespace resumes where it stopped;
// content another instance has finished is skipped, as content seen before always was.
import type { Consumer, Kafka } from 'kafkajs';
import { fetchEndOffsets } from '../core/kafka.ts';
import { CONNECTOR_DEFAULTS } from './defaults.ts';
import { IngestError } from './errors.ts';

export interface LedgerEntry {
  hash: string;
  name: string;
  /**
   * The file's source_file_id, fixed when its ingestion began (sourceFileId of that content's
   * hash) and kept while the file grows. Entries written before ids existed have '', the id their
   * rows were stored with (migration 0006).
   */
  fileId: string;
  size: number;
  /** Last physical line of the file whose row is committed in Kafka (the header is line 1). */
  lastLine: number;
  done: boolean;
  rows: number;
  rejected: number;
  updatedAt: number;
}

/** An entry as the topic holds it: those written before file ids or instances existed have none. */
type StoredEntry = Omit<LedgerEntry, 'fileId'> & Partial<LedgerEntry> & { instance?: string };

export function ledgerTopic(namespace: string): string {
  return `${namespace}.ingest-ledger`;
}

/** An entry's key in the compacted topic: one per instance and content. */
export function ledgerKey(instance: string, hash: string): string {
  return `${instance}:${hash}`;
}

export class IngestLedger {
  /** This instance's entries and the ones written before instances existed. */
  private readonly entries = new Map<string, LedgerEntry>();
  /** The entries by name, then hash: a file's look-up costs the same however many files were ingested. */
  private readonly byName = new Map<string, Map<string, LedgerEntry>>();
  /** Hashes this instance wrote: an older, instance-less entry of the same content does not replace them. */
  private readonly own = new Set<string>();
  /** Content other instances have finished: skipped here, never continued. */
  private readonly doneElsewhere = new Map<string, LedgerEntry>();

  constructor(readonly instance: string) {}

  get(hash: string): LedgerEntry | undefined {
    return this.entries.get(hash) ?? this.doneElsewhere.get(hash);
  }

  /** Entries last ingested under this name: the parts a grown file may continue. */
  named(name: string): LedgerEntry[] {
    return [...(this.byName.get(name)?.values() ?? [])];
  }

  /** An entry this instance committed. */
  set(entry: LedgerEntry): void {
    this.own.add(entry.hash);
    this.put(entry);
  }

  /** A record's value as the topic holds it, sorted by whose entry it is. */
  restore(value: string): void {
    const { instance, ...stored } = JSON.parse(value) as StoredEntry;
    const entry: LedgerEntry = { fileId: '', ...stored };
    if (instance === this.instance) this.set(entry);
    else if (instance === undefined && !this.own.has(entry.hash)) this.put(entry);
    else if (instance !== undefined && entry.done) this.doneElsewhere.set(entry.hash, entry);
  }

  private put(entry: LedgerEntry): void {
    const previous = this.entries.get(entry.hash);
    if (previous && previous.name !== entry.name) {
      const was = this.byName.get(previous.name);
      was?.delete(entry.hash);
      if (was?.size === 0) this.byName.delete(previous.name);
    }
    this.entries.set(entry.hash, entry);
    const same = this.byName.get(entry.name) ?? new Map<string, LedgerEntry>();
    this.byName.set(entry.name, same.set(entry.hash, entry));
  }

  message(entry: LedgerEntry) {
    return { key: ledgerKey(this.instance, entry.hash), value: JSON.stringify({ ...entry, instance: this.instance }) };
  }

  /**
   * Reads the committed ledger from the beginning to its end (read_committed). The caller has
   * taken its transactional id first (EventProducer.connect), which aborts a killed
   * predecessor's open transaction: until then that transaction would hold the end back.
   */
  static async load(kafka: Kafka, namespace: string, instance: string, timeoutMs: number = CONNECTOR_DEFAULTS.ledgerLoadTimeoutMs): Promise<IngestLedger> {
    const ledger = new IngestLedger(instance);
    const topic = ledgerTopic(namespace);
    const admin = kafka.admin();
    await admin.connect();
    let end: number;
    try {
      const [offsets] = await fetchEndOffsets(admin, topic);
      end = offsets?.end ?? 0;
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
        let position = 0;
        const timer = setTimeout(
          () => reject(new IngestError('ING_ERR_LEDGER', `${topic} read to offset ${position} of ${end} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        // Transaction markers and aborted records are never delivered as messages, but every
        // fetched batch reports its last offset, markers included: that says when the end is read.
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          position = Number(payload.lastOffset) + 1;
          if (position >= end) {
            clearTimeout(timer);
            resolve();
          }
        });
        consumer
          .run({
            eachMessage: async ({ message }) => {
              if (message.value) ledger.restore(message.value.toString());
            },
          })
          .catch((err: unknown) => {
            clearTimeout(timer);
            reject(err as Error);
          });
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
