// The local Kafka broker: jars from Maven Central, storage formatted once, started detached.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../../core/logger.ts';
import { kafkaPom, log4jProperties, serverProperties } from './kafka-files.ts';
import { labelledTails } from './log-tail.ts';
import { DEPENDENCY_PLUGIN, runMaven } from './maven.ts';
import { KAFKA_VERSION, type ServicePaths } from './paths.ts';

/** Kafka 4.x brokers need Java 17. */
const KAFKA_JAVA = 17;
import { requireJava } from './java-runtime.ts';
import { runToLog, spawnDetached } from './process-control.ts';
import { ServiceError } from './types.ts';

/** Found in the broker's command line: tells our broker from an unrelated process with a reused pid. */
export const kafkaMarker = (paths: ServicePaths) => paths.kafka.serverProperties;

export function kafkaLogTail(paths: ServicePaths): Promise<string> {
  return labelledTails([
    { file: paths.kafka.serverLog, lines: 40 },
    { file: paths.kafka.stdoutLog, lines: 15 },
  ]);
}

/** Downloads kafka_2.13 and its dependencies into libs/, unless a previous run completed that. */
export async function ensureKafkaJars(paths: ServicePaths): Promise<void> {
  const { home, libs, libsMarker, pom } = paths.kafka;
  if (existsSync(libsMarker)) return;
  logger.info({ libs }, `resolving Kafka ${KAFKA_VERSION} jars with Maven…`);
  const started = Date.now();
  await mkdir(home, { recursive: true });
  await writeFile(pom, kafkaPom());
  await rm(libs, { recursive: true, force: true });
  await runMaven(
    'kafka',
    ['-f', pom, `${DEPENDENCY_PLUGIN}:copy-dependencies`, `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'],
    home,
    paths.mavenLog,
  );
  await writeFile(libsMarker, `kafka_2.13:${KAFKA_VERSION} resolved ${new Date().toISOString()}\n`);
  logger.info({ seconds: (Date.now() - started) / 1000 }, 'Kafka jars resolved');
}

export async function writeKafkaConfig(paths: ServicePaths): Promise<void> {
  await mkdir(paths.kafka.dataDir, { recursive: true });
  await writeFile(paths.kafka.serverProperties, serverProperties(paths));
  await writeFile(paths.kafka.log4jConfig, log4jProperties(paths));
}

export function javaArgs(paths: ServicePaths, heap: string): string[] {
  return [
    heap,
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${paths.kafka.log4jConfig}`,
    // log4j2's own shutdown hook would stop logging before Kafka's clean shutdown has finished
    '-Dlog4j2.shutdownHookEnabled=false',
    `-Dkafka.logs.dir=${paths.logsDir}`,
    '-cp',
    `${paths.kafka.libs}/*`,
  ];
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what `kafka-storage
 * random-uuid` prints). Never one that starts with '-', which `format -t <id>` would read as an
 * option (Kafka's own Uuid.randomUuid draws again for the same reason).
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Formats the KRaft storage the first time; the marker file remembers the cluster id. */
export async function formatKafkaStorage(paths: ServicePaths): Promise<void> {
  const { formattedMarker, dataDir, serverProperties: props, home, stdoutLog } = paths.kafka;
  if (existsSync(formattedMarker) && existsSync(join(dataDir, 'meta.properties'))) return;
  const id = existsSync(formattedMarker) ? (await readFile(formattedMarker, 'utf8')).trim() : clusterId();
  logger.info({ clusterId: id, dataDir }, 'formatting Kafka storage');
  const args = [...javaArgs(paths, '-Xmx256m'), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props, '--ignore-formatted'];
  const code = await runToLog(requireJava('kafka', KAFKA_JAVA).command, args, home, stdoutLog);
  if (code !== 0) {
    throw new ServiceError('kafka', `formatting the storage failed (exit code ${code})`, await kafkaLogTail(paths));
  }
  await writeFile(formattedMarker, `${id}\n`);
}

export async function startKafka(paths: ServicePaths): Promise<number> {
  const java = requireJava('kafka', KAFKA_JAVA);
  const pid = await spawnDetached({
    command: java.command,
    args: [...javaArgs(paths, '-Xmx1g'), 'kafka.Kafka', paths.kafka.serverProperties],
    cwd: paths.kafka.home,
    logFile: paths.kafka.stdoutLog,
    pidFile: paths.kafka.pidFile,
  });
  logger.info({ pid, java: java.major }, `Kafka ${KAFKA_VERSION} started`);
  return pid;
}
