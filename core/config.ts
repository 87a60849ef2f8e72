// The one configuration module. Every setting of docs/design.md is read here, validated once,
// and a wrong value fails fast with a message naming the setting and what it expects.
import { availableParallelism, homedir } from 'node:os';
import { resolve, join } from 'node:path';
import { isLoopbackHost } from './exposure.ts';
import { bool, ConfigError, decimal, duration, httpUrl, instant, integer, millis, nonEmpty, pemFile, port, type Env } from './settings.ts';

const NAMESPACE = /^[a-z][a-z0-9_]{0,62}$/;
const HOST_PORT = /^[^\s:/]+:\d{1,5}$/;
/** An instance id goes into transactional ids and ledger keys (`<id>:<hash>`): no colon, no spaces. */
export const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface KafkaSecurity {
  ssl: boolean;
  /** PEM file of the CA(s) the brokers' certificates are checked against, instead of Node's built-in ones. */
  sslCaFile?: string;
  /** False only when KAFKA_SSL_REJECT_UNAUTHORIZED=false: then any broker certificate is accepted. */
  sslRejectUnauthorized: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface Config {
  /** Local state and the embedded store. */
  home: string;
  /** Prefixes topics and the consumer group, names the ClickHouse database. */
  namespace: string;
  /** Brokers; when `localServices.kafka` is true they are the ones `services up` starts. */
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /**
   * Partitions of the namespace's topics when they are created (SALESINSIGHTS_PARTITIONS): the
   * upper bound of aggregator parallelism. Topics that exist with another count are refused.
   */
  partitions: number;
  /**
   * This process's connector instance (SALESINSIGHTS_INSTANCE_ID): its transactional ids and
   * ledger entries. Unset: derived from host and inbox path (core/instance-id.ts).
   */
  instanceId?: string;
  /** Unset means the embedded chDB engine. */
  clickhouseUrl?: string;
  clickhouseUser?: string;
  clickhousePassword?: string;
  kafka: KafkaSecurity;
  /** Which services this project starts itself (none given in the environment). */
  localServices: { kafka: boolean; registry: boolean };
  /** Downloaded jars and service logs, outside git. */
  cacheDir: string;
  dashboard: {
    host: string;
    port: number;
    token?: string;
    /** SALESINSIGHTS_ALLOW_UNAUTHENTICATED=true: listening beyond loopback without a token is allowed (and warned about). */
    allowUnauthenticated: boolean;
  };
  /** The read-only ClickHouse-HTTP query endpoint of `start` (guarded by the dashboard's token). */
  query: {
    host: string;
    /** 0: any free port (the URL is in $SALESINSIGHTS_HOME/run/query-endpoint.json). */
    port: number;
  };
  /** What a person's read may take (query endpoint, `sql`, `export`, the dashboard): the pipeline keeps the rest. */
  queryLimits: QueryLimits;
  /** The inactivity gap of the session windows, ms (SALESINSIGHTS_SESSION_GAP). */
  sessionGapMs: number;
  /** Lifetime-value model refits, event time (SALESINSIGHTS_CLV_REFIT_INTERVAL), and the predicted value's monthly discount (SALESINSIGHTS_CLV_MONTHLY_DISCOUNT). */
  clv: { refitIntervalMs: number; monthlyDiscount: number };
  /** Hours the revenue forecast covers from its origin (SALESINSIGHTS_FORECAST_HORIZON). */
  forecastHorizonHours: number;
  ingest: {
    /** An inbox file is taken once no writer holds it open and it has not changed for this long. */
    fileQuietMs: number;
  } & ValidationLimits;
  /** pino level, checked here so a typo fails fast instead of crashing the logger. */
  logLevel: LogLevel;
  /** LOG_FORMAT: coloured human lines (`pretty`, the default in a terminal) or JSON lines (`json`, otherwise). */
  logFormat: LogFormat;
}

/** What a row must satisfy beyond its format (docs/design.md, "The event"). */
export interface ValidationLimits {
  /** Earliest plausible event time, epoch ms (default 2000-01-01T00:00:00Z). */
  eventTimeMinMs: number;
  /** Latest plausible event time is the clock plus this (default 1 day). */
  eventTimeMaxAheadMs: number;
  /** A CSV row (or JSON item) longer than this many bytes is rejected (default 64 KiB, far below Kafka's 1 MB). */
  maxRowBytes: number;
}

export const VALIDATION_DEFAULTS: ValidationLimits = {
  eventTimeMinMs: Date.UTC(2000, 0, 1),
  eventTimeMaxAheadMs: 86_400_000,
  maxRowBytes: 65_536,
};

/**
 * Limits of every read a person asks for, so that no query can take what the pipeline needs
 * (README, "Query limits"). A read may ask for less, never for more.
 */
export interface QueryLimits {
  /** max_execution_time of a read, seconds. */
  maxSeconds: number;
  /** max_memory_usage of a read, bytes. */
  maxMemoryBytes: number;
  /** max_result_bytes of a read (uncompressed, as the engine counts it), bytes. */
  maxResultBytes: number;
  /** max_threads of a read. */
  maxThreads: number;
  /** Reads running at once through the query endpoint, `sql` and `export` (the dashboard has as many of its own). */
  concurrency: number;
  /** How far a spooled result (JSON, Parquet, ...) may run ahead of a slow client, bytes. */
  spoolAheadBytes: number;
}

const GIB = 1024 ** 3;

export const QUERY_LIMIT_DEFAULTS: QueryLimits = {
  maxSeconds: 300,
  maxMemoryBytes: 2 * GIB,
  maxResultBytes: 16 * GIB,
  // Half the cores: the other half stays with the pipeline.
  maxThreads: Math.max(1, Math.floor(availableParallelism() / 2)),
  concurrency: 4,
  spoolAheadBytes: 256 * 1024 ** 2,
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Partitions of a new namespace's topics (README, "Scaling out"). */
export const DEFAULT_PARTITIONS = 4;

export const LOCAL_KAFKA_PORT = 19092;
export const LOCAL_CONTROLLER_PORT = 19093;
export const LOCAL_REGISTRY_PORT = 18081;

function queryLimits(env: Env): QueryLimits {
  const d = QUERY_LIMIT_DEFAULTS;
  return {
    maxSeconds: integer(env, 'SALESINSIGHTS_QUERY_MAX_SECONDS', d.maxSeconds, 1, 86_400, 'seconds'),
    maxMemoryBytes: integer(env, 'SALESINSIGHTS_QUERY_MAX_MEMORY_BYTES', d.maxMemoryBytes, 16 * 1024 ** 2, 2 ** 50, 'bytes'),
    maxResultBytes: integer(env, 'SALESINSIGHTS_QUERY_MAX_RESULT_BYTES', d.maxResultBytes, 1024 ** 2, 2 ** 50, 'bytes'),
    maxThreads: integer(env, 'SALESINSIGHTS_QUERY_MAX_THREADS', d.maxThreads, 1, 256, 'threads'),
    concurrency: integer(env, 'SALESINSIGHTS_QUERY_CONCURRENCY', d.concurrency, 1, 16, 'queries'),
    spoolAheadBytes: integer(env, 'SALESINSIGHTS_QUERY_SPOOL_AHEAD_BYTES', d.spoolAheadBytes, 1024 ** 2, 2 ** 50, 'bytes'),
  };
}

export function logLevel(env: Env): LogLevel {
  const v = nonEmpty(env, 'LOG_LEVEL')?.toLowerCase();
  if (v === undefined) return env.VITEST ? 'warn' : 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(v)) {
    throw new ConfigError('LOG_LEVEL', `"${v}" is not a level; expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return v as LogLevel;
}

/** LOG_FORMAT, or by default `pretty` when stderr is a terminal and `json` lines when it is not. */
export function logFormat(env: Env, stderrIsTTY = process.stderr.isTTY === true): LogFormat {
  const v = nonEmpty(env, 'LOG_FORMAT')?.toLowerCase();
  if (v === undefined) return stderrIsTTY ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(v)) {
    throw new ConfigError('LOG_FORMAT', `"${v}" is not a format; expected pretty or json (default: pretty in a terminal, json otherwise)`);
  }
  return v as LogFormat;
}

function kafkaSecurity(env: Env): KafkaSecurity {
  const ssl = bool(env, 'KAFKA_SSL', false);
  const sslCaFile = pemFile(env, 'KAFKA_SSL_CA_FILE');
  const sslRejectUnauthorized = bool(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED', true);
  if (!ssl && (sslCaFile !== undefined || !sslRejectUnauthorized)) {
    const given = sslCaFile !== undefined ? 'KAFKA_SSL_CA_FILE' : 'KAFKA_SSL_REJECT_UNAUTHORIZED';
    throw new ConfigError('KAFKA_SSL', `must be true when ${given} is set`);
  }
  const tls = { ssl, ...(sslCaFile !== undefined ? { sslCaFile } : {}), sslRejectUnauthorized };
  const mechanism = nonEmpty(env, 'KAFKA_SASL_MECHANISM')?.toLowerCase();
  if (mechanism === undefined) return tls;
  if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
    throw new ConfigError('KAFKA_SASL_MECHANISM', `"${mechanism}" must be plain, scram-sha-256 or scram-sha-512`);
  }
  const username = nonEmpty(env, 'KAFKA_SASL_USERNAME');
  const password = env.KAFKA_SASL_PASSWORD;
  if (!username) throw new ConfigError('KAFKA_SASL_USERNAME', 'must be set when KAFKA_SASL_MECHANISM is set');
  if (!password) throw new ConfigError('KAFKA_SASL_PASSWORD', 'must be set when KAFKA_SASL_MECHANISM is set');
  return { ...tls, sasl: { mechanism, username, password } };
}

/**
 * The dashboard may listen beyond loopback only with a token, or with the explicit opt-in
 * (docs/design.md, "Security"). `setting` names where the host came from (SALESINSIGHTS_HOST, --host).
 */
export function checkDashboardExposure(dashboard: Config['dashboard'], setting = 'SALESINSIGHTS_HOST'): void {
  if (dashboard.token !== undefined || dashboard.allowUnauthenticated || isLoopbackHost(dashboard.host)) return;
  throw new ConfigError(
    setting,
    `"${dashboard.host}" is beyond loopback and SALESINSIGHTS_DASHBOARD_TOKEN is not set; set SALESINSIGHTS_DASHBOARD_TOKEN (16+ characters), ` +
      'listen on 127.0.0.1, or set SALESINSIGHTS_ALLOW_UNAUTHENTICATED=true to let anyone who reaches it read the data and post events',
  );
}

/** The configuration with the dashboard on another host (start --host), checked like SALESINSIGHTS_HOST. */
export function withDashboardHost(config: Config, host: string, setting: string): Config {
  const dashboard = { ...config.dashboard, host };
  checkDashboardExposure(dashboard, setting);
  return { ...config, dashboard };
}

export function loadConfig(env: Env = process.env): Config {
  const home = resolve(nonEmpty(env, 'SALESINSIGHTS_HOME') ?? '.salesinsights');
  const namespace = nonEmpty(env, 'SALESINSIGHTS_NAMESPACE') ?? 'salesinsights';
  if (!NAMESPACE.test(namespace)) {
    throw new ConfigError(
      'SALESINSIGHTS_NAMESPACE',
      `"${namespace}" must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63 characters)`,
    );
  }

  const brokersRaw = nonEmpty(env, 'KAFKA_BROKERS');
  const kafkaBrokers = brokersRaw
    ? brokersRaw.split(',').map((b) => b.trim())
    : [`127.0.0.1:${LOCAL_KAFKA_PORT}`];
  for (const b of kafkaBrokers) {
    if (!HOST_PORT.test(b) || Number(b.split(':')[1]) < 1 || Number(b.split(':')[1]) > 65535) {
      throw new ConfigError('KAFKA_BROKERS', `"${b}" is not host:port; expected a comma-separated list like 127.0.0.1:9092`);
    }
  }
  const registryGiven = httpUrl(env, 'SCHEMA_REGISTRY_URL');

  const token = nonEmpty(env, 'SALESINSIGHTS_DASHBOARD_TOKEN');
  if (token !== undefined && token.length < 16) {
    throw new ConfigError('SALESINSIGHTS_DASHBOARD_TOKEN', 'must be at least 16 characters long');
  }
  const dashboard = {
    host: nonEmpty(env, 'SALESINSIGHTS_HOST') ?? '127.0.0.1',
    port: port(env, 'SALESINSIGHTS_PORT', 3000),
    token,
    allowUnauthenticated: bool(env, 'SALESINSIGHTS_ALLOW_UNAUTHENTICATED', false),
  };
  checkDashboardExposure(dashboard);
  const query = { host: nonEmpty(env, 'SALESINSIGHTS_QUERY_HOST') ?? '127.0.0.1', port: port(env, 'SALESINSIGHTS_QUERY_PORT', 8124, 0) };
  checkDashboardExposure({ ...dashboard, host: query.host }, 'SALESINSIGHTS_QUERY_HOST');

  const instanceId = nonEmpty(env, 'SALESINSIGHTS_INSTANCE_ID');
  if (instanceId !== undefined && !INSTANCE_ID.test(instanceId)) {
    throw new ConfigError(
      'SALESINSIGHTS_INSTANCE_ID',
      `"${instanceId}" must start with a letter or digit and hold only A-Z, a-z, 0-9, ., _ and - (at most 64 characters)`,
    );
  }

  return {
    home,
    namespace,
    partitions: integer(env, 'SALESINSIGHTS_PARTITIONS', DEFAULT_PARTITIONS, 1, 256, 'partitions'),
    instanceId,
    kafkaBrokers,
    schemaRegistryUrl: registryGiven ?? `http://127.0.0.1:${LOCAL_REGISTRY_PORT}/apis/ccompat/v7`,
    clickhouseUrl: httpUrl(env, 'CLICKHOUSE_URL'),
    clickhouseUser: nonEmpty(env, 'CLICKHOUSE_USER'),
    clickhousePassword: env.CLICKHOUSE_PASSWORD,
    kafka: kafkaSecurity(env),
    localServices: { kafka: brokersRaw === undefined, registry: registryGiven === undefined },
    cacheDir: resolve(nonEmpty(env, 'SALESINSIGHTS_CACHE') ?? join(homedir(), '.cache', 'salesinsights')),
    dashboard,
    query,
    queryLimits: queryLimits(env),
    sessionGapMs: duration(env, 'SALESINSIGHTS_SESSION_GAP', 1_800_000, 1_000, 24 * 3_600_000),
    clv: {
      refitIntervalMs: duration(env, 'SALESINSIGHTS_CLV_REFIT_INTERVAL', 24 * 3_600_000, 60_000, 366 * 24 * 3_600_000),
      monthlyDiscount: decimal(env, 'SALESINSIGHTS_CLV_MONTHLY_DISCOUNT', 0.01, 0, 1),
    },
    forecastHorizonHours: integer(env, 'SALESINSIGHTS_FORECAST_HORIZON', 24, 1, 168, 'hours'),
    ingest: {
      fileQuietMs: millis(env, 'SALESINSIGHTS_FILE_QUIET_MS', 2000),
      eventTimeMinMs: instant(env, 'SALESINSIGHTS_EVENT_TIME_MIN', VALIDATION_DEFAULTS.eventTimeMinMs),
      eventTimeMaxAheadMs: millis(env, 'SALESINSIGHTS_EVENT_TIME_MAX_AHEAD_MS', VALIDATION_DEFAULTS.eventTimeMaxAheadMs, 366 * 86_400_000),
      maxRowBytes: integer(env, 'SALESINSIGHTS_MAX_ROW_BYTES', VALIDATION_DEFAULTS.maxRowBytes, 256, 900_000, 'bytes'),
    },
    logLevel: logLevel(env),
    logFormat: logFormat(env),
  };
}
