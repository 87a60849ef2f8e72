// Kafka health: a kafkajs admin client fetches cluster metadata and the topic list.
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { Config } from '../../core/config.ts';
import { kafkaSecurityOptions, saslAuthFailure } from '../../core/kafka.ts';
import type { HealthResult } from './health.ts';

function clientConfig(config: Config): KafkaConfig {
  return {
    clientId: 'salesinsights-services',
    brokers: config.kafkaBrokers,
    ...kafkaSecurityOptions(config),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
  };
}

export async function kafkaHealth(config: Config): Promise<HealthResult> {
  const admin = new Kafka(clientConfig(config)).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const topics = await admin.listTopics();
    return {
      healthy: cluster.brokers.length > 0,
      detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'unknown'}, ${topics.length} topic(s)`,
    };
  } catch (err) {
    return { healthy: false, detail: err instanceof Error ? err.message : String(err), fatal: saslAuthFailure(config, err) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
