// A command's failure as one line for a person: which command, what went wrong (the error's
// message and its causes'), and what to do where that is known. The stack is the logger's
// business, at debug.
import type { Config } from '../core/config.ts';
import { limitSettingOf } from '../aggregates/read-gate.ts';

/** Longer messages (a server's error with its query) are cut here: the line must stay a line. */
const MAX_MESSAGE = 600;

function ownMessage(err: unknown): string {
  if (err instanceof AggregateError && !err.message) {
    // Node's connect to several addresses: the message is empty, the attempts say what failed.
    return [...new Set(err.errors.map(ownMessage))].join('; ');
  }
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** The errors of a chain: the error, its cause, its cause's cause… */
function chain(err: unknown, depth = 5): unknown[] {
  const all: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && all.length < depth && !all.includes(e); e = (e as { cause?: unknown }).cause) all.push(e);
  return all;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** ClickHouse's syntax errors list every token its parser would take: the first five say enough on a line. */
const EXPECTED_TOKENS = /(Expected one of: (?:[^,.]+, ){4}[^,.]+)(?:, [^,.]+)+/;

/**
 * The messages of an error and its causes on one line. A cause that only repeats its error is
 * left out; one that repeats and adds to it (a driver's code and type) takes its place.
 */
export function describeError(err: unknown): string {
  let text = '';
  for (const e of chain(err)) {
    const message = oneLine(ownMessage(e));
    if (!message || text.includes(message)) continue;
    text = !text || message.includes(text) ? message : `${text}: ${message}`;
  }
  text = text.replace(EXPECTED_TOKENS, '$1, …');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

function fields(err: unknown): Array<{ name: string; code: string; message: string; port?: number }> {
  return chain(err).flatMap((e) => {
    const all = e instanceof AggregateError ? [e, ...e.errors] : [e];
    return all.map((x) => {
      const o = (x ?? {}) as { name?: unknown; code?: unknown; port?: unknown };
      return {
        name: typeof o.name === 'string' ? o.name : '',
        code: typeof o.code === 'string' ? o.code : '',
        message: ownMessage(x),
        port: typeof o.port === 'number' ? o.port : undefined,
      };
    });
  });
}

const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection (error|timeout)|socket hang up/;

const portOf = (address: string) => Number(/:(\d+)\/?/.exec(address)?.[1]);

/** What to do, for the failures whose remedy is known; undefined otherwise. */
export function hintFor(err: unknown, config: Config | undefined): string | undefined {
  const all = fields(err);
  if (all.some((f) => f.name === 'StoreLockedError')) return undefined; // its message says what to do
  const limit = all.map((f) => limitSettingOf(f.message)).find((s) => s !== undefined);
  if (limit !== undefined) return `the query hit a limit that keeps the pipeline's resources its own; narrow the query, or raise ${limit}`;
  if (all.some((f) => f.code === 'CHDB_CONNECTION' || /Cannot lock file .*status|Failed to create connection for path/.test(f.message))) {
    return 'another salesinsights process holds the embedded store; stop it or use its query endpoint';
  }
  const address = all.find((f) => f.code === 'EADDRINUSE');
  if (address) {
    return `something else listens on ${address.port ?? 'that port'}; stop it, or choose another port with --port or SALESINSIGHTS_PORT`;
  }
  const unreachable = all.filter((f) => UNREACHABLE.test(f.message) || UNREACHABLE.test(f.code));
  if (unreachable.length === 0) return undefined;
  const text = unreachable.map((f) => `${f.message}${f.port !== undefined ? ` :${f.port}` : ''}`).join(' ');
  const mentions = (port: number) => Number.isInteger(port) && new RegExp(`:${port}\\b`).test(text);
  const up = '`npx salesinsights services up`';
  if (config?.clickhouseUrl && mentions(portOf(config.clickhouseUrl))) return `check CLICKHOUSE_URL (${config.clickhouseUrl}): is the ClickHouse server up?`;
  if (config && mentions(portOf(config.schemaRegistryUrl))) {
    return config.localServices.registry ? `is the schema registry up? start it with ${up}` : `check SCHEMA_REGISTRY_URL (${config.schemaRegistryUrl})`;
  }
  const kafka = all.some((f) => f.name.startsWith('KafkaJS')) || (config?.kafkaBrokers.some((b) => mentions(portOf(b))) ?? false);
  if (kafka) return config && !config.localServices.kafka ? `check KAFKA_BROKERS (${config.kafkaBrokers.join(',')})` : `is Kafka up? start it with ${up}, or check KAFKA_BROKERS`;
  return `are the services up? ${up}, or check KAFKA_BROKERS, SCHEMA_REGISTRY_URL and CLICKHOUSE_URL`;
}

/** `error: <command>: <what went wrong>[; <what to do>]`, one line. */
export function errorLine(command: string | undefined, err: unknown, config?: Config): string {
  const what = describeError(err);
  // A message that names its command already ("sql refused …") is not prefixed twice.
  const prefix = command && !what.startsWith(`${command} `) && !what.startsWith(`${command}:`) ? `${command}: ` : '';
  const hint = hintFor(err, config);
  return `error: ${prefix}${what}${hint ? `; ${hint}` : ''}`;
}
