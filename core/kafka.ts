// The one place that builds kafkajs clients from the configuration (brokers, TLS, SASL).
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { ConfigError, type Config } from './config.ts';

/** kafkajs' `ssl` and `sasl` settings; a given CA file replaces Node's built-in CAs (a private CA signs the brokers). */
export function kafkaSecurityOptions(config: Config): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { ssl, sslCaFile, sslRejectUnauthorized, sasl } = config.kafka;
  const tls = ssl && (sslCaFile !== undefined || !sslRejectUnauthorized)
    ? { ...(sslCaFile !== undefined ? { ca: [readFileSync(sslCaFile, 'utf8')] } : {}), rejectUnauthorized: sslRejectUnauthorized }
    : ssl;
  // A copy: kafkajs caches its authenticator (a function) on the object, and config must stay
  // cloneable for the connector's worker thread.
  return { ssl: tls, ...(sasl ? { sasl: { ...sasl } as SASLOptions } : {}) };
}

/**
 * A login the brokers refused, as the configuration error it is: kafkajs does not retry it, and
 * the CLI prints a ConfigError as one line naming the settings instead of a stack trace.
 */
export function saslAuthFailure(config: Config, err: unknown): ConfigError | undefined {
  // kafkajs' error classes are not named exports under ESM: tell them by name.
  if (!(err instanceof Error) || err.name !== 'KafkaJSSASLAuthenticationError' || !config.kafka.sasl) return undefined;
  const { username, mechanism } = config.kafka.sasl;
  return new ConfigError(
    'KAFKA_SASL_USERNAME',
    `authentication failed for "${username}" (${mechanism}) at ${config.kafkaBrokers.join(',')}; check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (${err.message})`,
  );
}

export function createKafka(config: Config, clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: config.kafkaBrokers,
    ...kafkaSecurityOptions(config),
    logLevel: logLevel.ERROR,
    ...overrides,
  });
}

/**
 * The partitions' end offsets (high watermarks) of a topic. kafkajs retries only an unknown
 * topic here, but a KRaft broker also answers NOT_LEADER_OR_FOLLOWER for a moment while it takes
 * up a partition: retriable errors are retried for about ten seconds.
 */
export async function fetchEndOffsets(admin: Admin, topic: string): Promise<Array<{ partition: number; end: number }>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, end: Number(o.high) }));
    } catch (err) {
      // kafkajs' errors carry `retriable` (its error classes are not named exports under ESM).
      if ((err as { retriable?: boolean }).retriable !== true || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }
}
