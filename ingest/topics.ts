// Creates the namespace's topics once (idempotent) and waits until each partition has a leader.
// The partition count is fixed when the topics are created: records are placed by key, and the
// aggregator's state and checkpoints are per partition, so another count would move keys away
// from their state. A namespace whose topics hold another count is refused, never repartitioned.
import type { Admin, ITopicConfig, ITopicMetadata, Kafka } from 'kafkajs';
import { DEFAULT_PARTITIONS } from '../core/config.ts';
import { ConfigError } from '../core/settings.ts';
import { topics } from '../core/topics.ts';
import { ledgerTopic } from './ledger.ts';

const LEADER_WAIT_MS = 30_000;

/** SALESINSIGHTS_PARTITIONS differs from the count the namespace's topics were created with. */
export class PartitionCountError extends ConfigError {
  override name = 'PartitionCountError';
  constructor(
    readonly topic: string,
    readonly found: number,
    readonly wanted: number,
  ) {
    super(
      'SALESINSIGHTS_PARTITIONS',
      `is ${wanted}, but topic ${topic} exists with ${found} partitions; a namespace keeps the count its topics were created with ` +
        `(repartitioning would move keys away from their state), so set SALESINSIGHTS_PARTITIONS=${found}, or use another SALESINSIGHTS_NAMESPACE for ${wanted}`,
    );
  }
}

/** The first topic whose partition count is not `wanted`, or undefined. */
export function partitionMismatch(found: ITopicMetadata[], wanted: number): PartitionCountError | undefined {
  const other = found.find((t) => t.partitions.length !== wanted);
  return other && new PartitionCountError(other.name, other.partitions.length, wanted);
}

export async function ensureTopics(kafka: Kafka, namespace: string, partitions: number = DEFAULT_PARTITIONS) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitioned = Object.values(topics(namespace));
    const wanted: ITopicConfig[] = [
      ...partitioned.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
      { topic: ledgerTopic(namespace), numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ];
    const existing = new Set(await admin.listTopics());
    // Checked before any topic is created: a refused start leaves the namespace as it was.
    const present = partitioned.filter((t) => existing.has(t));
    // Read as waitForLeaders reads: a topic another process has just created is listed before the
    // broker's metadata cache answers for it.
    if (present.length > 0) {
      const mismatch = partitionMismatch(await waitForLeaders(admin, present), partitions);
      if (mismatch) throw mismatch;
    }
    const missing = wanted.filter((t) => !existing.has(t.topic));
    // kafkajs' own waitForLeaders retries only LEADER_NOT_AVAILABLE, but a KRaft broker answers
    // UNKNOWN_TOPIC_OR_PARTITION until the new topic reaches its metadata cache.
    if (missing.length > 0) await admin.createTopics({ waitForLeaders: false, topics: missing });
    await waitForLeaders(admin, wanted.map((t) => t.topic));
  } finally {
    await admin.disconnect();
  }
}

/** The topics' metadata once every partition of each has a leader (retried until LEADER_WAIT_MS). */
async function waitForLeaders(admin: Admin, names: string[]): Promise<ITopicMetadata[]> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    let cause: unknown;
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      if (found.length === names.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return found;
    } catch (err) {
      cause = err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leader after ${LEADER_WAIT_MS} ms`, { cause });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
