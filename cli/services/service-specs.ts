// The two services as the lifecycle sees them: where they answer, how to check and start them.
import type { Config } from '../../core/config.ts';
import { LOCAL_CONTROLLER_PORT, LOCAL_KAFKA_PORT, LOCAL_REGISTRY_PORT } from '../../core/config.ts';
import type { HealthResult } from './health.ts';
import { kafkaHealth } from './kafka-health.ts';
import { ensureKafkaJars, formatKafkaStorage, kafkaLogTail, kafkaMarker, startKafka, writeKafkaConfig } from './kafka-broker.ts';
import { servicePaths } from './paths.ts';
import { ensureRegistryDistribution, registryHealth, registryLogTail, registryMarker, startRegistry } from './schema-registry.ts';
import type { ServiceName } from './types.ts';

export interface ServiceSpec {
  name: ServiceName;
  address: string;
  /** True when this project starts the service; false when the environment names one. */
  local: boolean;
  /** The setting that names an external one, and what did not answer there (for the start-up check). */
  setting: 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL';
  noAnswer: string;
  /** Loopback ports the local service binds. */
  ports: number[];
  pidFile: string;
  marker: string;
  /** How long SIGTERM may take before SIGKILL. */
  graceMs: number;
  health: () => Promise<HealthResult>;
  tail: () => Promise<string>;
  /** Resolves artifacts, writes configuration, spawns; returns the pid. */
  start: () => Promise<number>;
}

export function serviceSpecs(config: Config): ServiceSpec[] {
  const paths = servicePaths(config.cacheDir);
  const kafka: ServiceSpec = {
    name: 'kafka',
    address: config.kafkaBrokers.join(','),
    local: config.localServices.kafka,
    setting: 'KAFKA_BROKERS',
    noAnswer: 'no broker answered',
    ports: [LOCAL_KAFKA_PORT, LOCAL_CONTROLLER_PORT],
    pidFile: paths.kafka.pidFile,
    marker: kafkaMarker(paths),
    graceMs: 20_000,
    health: () => kafkaHealth(config),
    tail: () => kafkaLogTail(paths),
    start: async () => {
      await ensureKafkaJars(paths);
      await writeKafkaConfig(paths);
      await formatKafkaStorage(paths);
      return startKafka(paths);
    },
  };
  const registry: ServiceSpec = {
    name: 'schema-registry',
    address: config.schemaRegistryUrl,
    local: config.localServices.registry,
    setting: 'SCHEMA_REGISTRY_URL',
    noAnswer: 'no schema registry (Confluent API, GET /subjects) answered',
    ports: [LOCAL_REGISTRY_PORT],
    pidFile: paths.registry.pidFile,
    marker: registryMarker(paths),
    graceMs: 10_000,
    health: () => registryHealth(config.schemaRegistryUrl),
    tail: () => registryLogTail(paths),
    start: async () => startRegistry(paths, await ensureRegistryDistribution(paths)),
  };
  return [kafka, registry];
}
