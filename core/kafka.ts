// The one place that builds kafkajs clients from the configuration (brokers, TLS, SASL), and
// routes their log entries through the project's logger.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Kafka, logLevel, type Admin, type KafkaConfig, type LogEntry, type logCreator, type SASLOptions } from 'kafkajs';
import { backoffMs, sleep, type BackoffPolicy } from './backoff.ts';
import type { Config } from './config.ts';
import { ConfigError } from './settings.ts';
import { logger as processLogger, type Logger } from './logger.ts';
import { topics } from './topics.ts';

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

/**
 * The server's retriable errors by message, from kafkajs' own code table (`src/protocol/error.js`,
 * a data table with a `retriable` column); a few well-known ones if that file ever moves.
 */
function retriableServerMessages(): string[] {
  try {
    const table = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes: Array<{ retriable: boolean; message: string }> };
    return table.errorCodes.filter((e) => e.retriable).map((e) => e.message);
  } catch {
    return [
      "The coordinator is loading and hence can't process requests for this group",
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
      'This server is not the leader for that topic-partition',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    ];
  }
}

const RETRIABLE_SERVER_MESSAGES = retriableServerMessages();
/** The client's own retriable failures (KafkaJSConnectionError, KafkaJSRequestTimeoutError), logged by message only. */
const RETRIABLE_CLIENT_MESSAGES = [/^Connection error: /, /^Connection timeout$/, /^Closed connection$/, /^Failed to connect to (seed )?broker/, /^Request .* timed out$/];

/**
 * Whether a kafkajs entry reports a failure kafkajs retries by itself (a broker restarting, a
 * leader moving, a coordinator loading). The error's own `retriable` decides when the entry
 * carries the error; otherwise its message (or its `error` text) is looked up. A consumer's crash
 * (`Crash: …`, retries exhausted) is never chatter.
 */
export function isRetriableKafkaEntry(entry: LogEntry['log']): boolean {
  const fields = entry as Record<string, unknown>;
  for (const value of [fields.error, fields.message]) {
    if (value instanceof Error || (typeof value === 'object' && value !== null)) {
      const retriable = (value as { retriable?: unknown }).retriable;
      if (typeof retriable === 'boolean') return retriable;
    }
  }
  if (typeof entry.message === 'string' && entry.message.startsWith('Crash: ')) return false;
  const texts = [fields.error, entry.message].filter((t): t is string => typeof t === 'string');
  return texts.some((t) => RETRIABLE_CLIENT_MESSAGES.some((re) => re.test(t)) || RETRIABLE_SERVER_MESSAGES.some((m) => t.includes(m)));
}

/**
 * The coordinator dropped this member (its process was stopped or too slow: the session timed
 * out) or the group is rebalancing. kafkajs re-joins by itself, but reports each refused
 * heartbeat and commit as an error.
 */
const REJOIN_MESSAGES = ['The coordinator is not aware of this member', 'The group is rebalancing', 'Specified group generation id is not valid'];
/** Re-join entries closer together than this are one episode: one warning, the rest at debug. */
export const REJOIN_EPISODE_MS = 60_000;

/** Whether a kafkajs entry reports a re-join of the consumer group (REJOIN_MESSAGES), in its message or its error. */
export function isRejoinEntry(entry: LogEntry['log']): boolean {
  const fields = entry as Record<string, unknown>;
  const texts = [fields.error, entry.message].map((t) => (t instanceof Error ? t.message : t)).filter((t): t is string => typeof t === 'string');
  return texts.some((t) => REJOIN_MESSAGES.some((m) => t.includes(m)));
}

/**
 * Warnings about choices this project makes on purpose, at debug: the default partitioner it has
 * always used, and the transactional producer's bounded retries (a failed transaction aborts
 * whole, and the producer is re-created; see ingest/producer.ts).
 */
const DELIBERATE = [/^KafkaJS v2\.0\.0 switched default partitioner/, /^Limiting retries for the idempotent producer/];

/**
 * kafkajs' levels on pino's, one step finer: its errors and warnings are ours; its info entries
 * (a consumer starting, joining its group) are lifecycle detail the project logs itself, at
 * debug; its debug entries (one per request and response) at trace.
 */
const PINO_LEVELS: Record<number, 'error' | 'warn' | 'debug' | 'trace'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'trace',
};

const emptyEntry = { timestamp: '', logger: 'kafkajs', message: '' } satisfies LogEntry['log'];

/**
 * A consumer's crash that kafkajs follows with a restart by itself (its retries ran out, or the
 * original cause is retriable: a broker away for a while) is one warning; the restart notice is
 * debug. Any other crash stays an error.
 */
function crashLevel(message: string): 'warn' | undefined {
  if (!message.startsWith('Crash: ')) return undefined;
  const restarts = message.startsWith('Crash: KafkaJSNumberOfRetriesExceeded:') || isRetriableKafkaEntry({ ...emptyEntry, message: message.replace(/^Crash: \w+: /, '') });
  return restarts ? 'warn' : undefined;
}

/** The pino level of a kafkajs entry: its own, mapped; at most debug for retriable failures and deliberate choices. */
export function kafkaEntryLevel(level: logLevel, entry: LogEntry['log']): 'error' | 'warn' | 'debug' | 'trace' {
  const mapped = PINO_LEVELS[level] ?? 'error';
  if (mapped === 'debug' || mapped === 'trace') return mapped;
  const message = typeof entry.message === 'string' ? entry.message : '';
  const crash = crashLevel(message);
  if (crash) return crash;
  if (/^Restarting the consumer in \d+ms$/.test(message)) return 'debug';
  if (isRejoinEntry(entry)) return 'warn';
  const deliberate = DELIBERATE.some((re) => re.test(message));
  return deliberate || isRetriableKafkaEntry(entry) ? 'debug' : mapped;
}

/** kafkajs' own threshold for a pino level, so it builds no entry that pino would drop (kafkajs' debug entries are costly). */
export function kafkaLogLevel(level: string): logLevel {
  switch (level) {
    case 'trace':
      return logLevel.DEBUG;
    case 'debug':
      return logLevel.INFO;
    case 'info':
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

/**
 * kafkajs' log entries as the project's log lines (same logger, same format), marked
 * `logger: 'kafkajs'` with kafkajs' namespace (Connection, Consumer, …), at the level
 * kafkaEntryLevel gives; of a re-join episode (a SIGSTOP and SIGCONT: a dozen refused heartbeats
 * and commits) only the first entry is a warning, the others debug.
 */
export function kafkaLogCreator(log: Logger = processLogger, now: () => number = Date.now): logCreator {
  let lastRejoin = -Infinity;
  return () =>
    ({ namespace, level, log: entry }) => {
      let pinoLevel = kafkaEntryLevel(level, entry);
      if (pinoLevel === 'warn' && isRejoinEntry(entry)) {
        if (now() - lastRejoin < REJOIN_EPISODE_MS) pinoLevel = 'debug';
        lastRejoin = now();
      }
      if (!log.isLevelEnabled(pinoLevel)) return;
      const { message, error, ...extra }: Record<string, unknown> = entry;
      // pino stamps its own time; `logger: 'kafkajs'` is set below.
      delete extra.timestamp;
      delete extra.logger;
      // An Error goes under `err`, where pino serializes it (type, message, stack).
      const thrown: unknown = message;
      const err = error instanceof Error ? error : thrown instanceof Error ? thrown : undefined;
      const text = thrown instanceof Error ? thrown.message : String(message);
      log[pinoLevel]({ logger: 'kafkajs', namespace, ...extra, ...(err ? { err } : error !== undefined ? { error } : {}) }, text);
    };
}

/**
 * kafkajs' default of 1 s for a TCP (and TLS) connection is tight on a loaded machine: a broker
 * busy with a compaction or a GC pause then fails a start that would have connected a moment
 * later. A refused connection (a broker away) still fails at once.
 */
const CONNECTION_TIMEOUT_MS = 5_000;

export function createKafka(config: Config, clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: config.kafkaBrokers,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    ...kafkaSecurityOptions(config),
    logLevel: kafkaLogLevel(processLogger.level),
    logCreator: kafkaLogCreator(processLogger),
    ...overrides,
  });
}

/** 0.1 s doubling to 1 s: about ten seconds over twenty attempts. */
const END_OFFSETS_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 1_000 };

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
      await sleep(backoffMs(attempt, END_OFFSETS_BACKOFF));
    }
  }
}

/**
 * The end offsets of the job's input topics (events and rejected) by `topic:partition`: the
 * positions of a job that has read all its input as it is now. From a fresh admin client.
 */
export async function inputEndOffsets(config: Config): Promise<Map<string, number>> {
  const admin = createKafka(config, 'salesinsights-backfill').admin();
  await admin.connect();
  try {
    const ends = new Map<string, number>();
    const t = topics(config.namespace);
    for (const topic of [t.events, t.rejected]) {
      for (const { partition, end } of await fetchEndOffsets(admin, topic)) ends.set(`${topic}:${partition}`, end);
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}
