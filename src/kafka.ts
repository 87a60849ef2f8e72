// The one place that builds kafkajs clients from the configuration (brokers, TLS, SASL).
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Config } from './config.ts';

export function createKafka(config: Config, clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  const sasl = config.kafka.sasl as SASLOptions | undefined;
  return new Kafka({
    clientId,
    brokers: config.kafkaBrokers,
    ssl: config.kafka.ssl,
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.ERROR,
    ...overrides,
  });
}
