// Creates the namespace's topics once (idempotent).
import type { Kafka } from 'kafkajs';
import { topics } from '../src/config.ts';
import { ensureLedgerTopic } from './ledger.ts';
import { CONNECTOR_DEFAULTS } from './defaults.ts';

export async function ensureTopics(kafka: Kafka, namespace: string, partitions: number = CONNECTOR_DEFAULTS.partitions) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = Object.values(topics(namespace)).filter((t) => !existing.has(t));
    if (wanted.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
      });
    }
    await ensureLedgerTopic(admin, namespace);
  } finally {
    await admin.disconnect();
  }
}
