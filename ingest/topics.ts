// Creates the namespace's topics once (idempotent) and waits until each partition has a leader.
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { topics } from '../core/topics.ts';
import { ledgerTopic } from './ledger.ts';
import { CONNECTOR_DEFAULTS } from './defaults.ts';

const LEADER_WAIT_MS = 30_000;

export async function ensureTopics(kafka: Kafka, namespace: string, partitions: number = CONNECTOR_DEFAULTS.partitions) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted: ITopicConfig[] = [
      ...Object.values(topics(namespace)).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
      { topic: ledgerTopic(namespace), numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ];
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    // kafkajs' own waitForLeaders retries only LEADER_NOT_AVAILABLE, but a KRaft broker answers
    // UNKNOWN_TOPIC_OR_PARTITION until the new topic reaches its metadata cache.
    if (missing.length > 0) await admin.createTopics({ waitForLeaders: false, topics: missing });
    await waitForLeaders(admin, wanted.map((t) => t.topic));
  } finally {
    await admin.disconnect();
  }
}

async function waitForLeaders(admin: Admin, names: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    let cause: unknown;
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      if (found.length === names.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      cause = err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leader after ${LEADER_WAIT_MS} ms`, { cause });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
