// Kafka health: a kafkajs admin client fetches cluster metadata and the topic list.
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Config, KafkaSecurity } from '../config.ts';
import type { HealthResult } from './health.ts';

function saslOptions(sasl: NonNullable<KafkaSecurity['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

function clientConfig(config: Config): KafkaConfig {
  const { ssl, sasl } = config.kafka;
  return {
    clientId: 'salesinsights-services',
    brokers: config.kafkaBrokers,
    ssl,
    ...(sasl ? { sasl: saslOptions(sasl) } : {}),
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
    return { healthy: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
