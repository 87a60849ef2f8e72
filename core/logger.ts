// The one logger (pino, as fastify uses). LOG_FORMAT=pretty (the default when stderr is a
// terminal): one coloured line per entry, written by pino-pretty in this process and
// synchronously, so log lines, the progress bar and the CLI's last line keep their order; error
// stacks only at LOG_LEVEL=debug. LOG_FORMAT=json (the default otherwise): pino's JSON lines.
// A worker thread given a `logPort` (logPortForWorker) sends its lines to the thread that made
// the port, which writes them in its own format: one writer, one format.
import { isMainThread, MessageChannel, MessagePort, workerData } from 'node:worker_threads';
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty, type PrettyOptions } from 'pino-pretty';
import { logFormat, logLevel, type LogFormat, type LogLevel } from './config.ts';
import { ConfigError } from './settings.ts';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Colours in `pretty` (default: stderr is a terminal, unless NO_COLOR; FORCE_COLOR forces them). */
  colour?: boolean;
  /** A file descriptor or a stream (tests); default 2, stderr. */
  destination?: number | NodeJS.WritableStream;
}

type Env = Record<string, string | undefined>;

/** Colours when stderr is a terminal; NO_COLOR (https://no-color.org) turns them off, FORCE_COLOR on. */
export function colourWanted(env: Env = process.env, stderrIsTTY = process.stderr.isTTY === true): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stderrIsTTY;
}

const DEBUG_LEVELS: readonly string[] = ['debug', 'trace'];

/** An entry's error as text: a serialized `err` (its message holds its causes' too) or kafkajs' `error` string. */
function errorText(log: Record<string, unknown>): string | undefined {
  for (const value of [log.err, log.error]) {
    if (typeof value === 'string' && value) return value;
    if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string') {
      return (value as { message: string }).message;
    }
  }
  return undefined;
}

/**
 * pino-pretty's settings: one line per entry, `[time] LEVEL: component: message: error {fields}`;
 * a component (`logger`, e.g. kafkajs, with its namespace) prefixes the message. Below debug an
 * error is its message on the entry's line; at debug the error follows with its stack.
 */
export function prettyOptions(level: LogLevel, colour: boolean): PrettyOptions {
  const debug = DEBUG_LEVELS.includes(level);
  return {
    colorize: colour,
    translateTime: 'HH:MM:ss.l',
    singleLine: true,
    ignore: debug ? 'pid,hostname,logger,namespace' : 'pid,hostname,logger,namespace,stack,err,error',
    messageFormat: (log, messageKey) => {
      const component = typeof log.logger === 'string' ? `${log.logger}${typeof log.namespace === 'string' && log.namespace ? ` ${log.namespace}` : ''}: ` : '';
      const error = debug ? undefined : errorText(log);
      const message = String(log[messageKey] ?? '');
      return `${component}${message}${error !== undefined && !message.endsWith(error) ? `: ${error}` : ''}`;
    },
  };
}

function destinationFor(options: LoggerOptions): DestinationStream {
  const destination = options.destination ?? 2;
  if (options.format === 'pretty') {
    return PinoPretty({
      ...prettyOptions(options.level, options.colour ?? colourWanted()),
      destination: destination as PrettyOptions['destination'],
      sync: true,
    });
  }
  return typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : (destination as DestinationStream);
}

function build(level: LogLevel, destination: DestinationStream): Logger {
  return pino({ level, base: undefined }, destination);
}

/** A logger of its own (tests, tools): the process's `logger` is built the same way from the environment. */
export function createLogger(options: LoggerOptions): Logger {
  return build(options.level, destinationFor(options));
}

/** A bad LOG_LEVEL or LOG_FORMAT must not crash pino at import: the logger takes the default and loadConfig reports the setting. */
function fromEnv<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) return fallback;
    throw err;
  }
}

const level = fromEnv(() => logLevel(process.env), 'info');
const logPort = isMainThread ? undefined : (workerData as { logPort?: unknown } | null)?.logPort;

/** Where this thread's lines go: stderr in its format, or the parent thread's port. */
const destination: DestinationStream =
  logPort instanceof MessagePort
    ? { write: (line: string) => logPort.postMessage(line) }
    : destinationFor({ level, format: fromEnv(() => logFormat(process.env), process.stderr.isTTY ? 'pretty' : 'json') });

export const logger: Logger = build(level, destination);

/**
 * A port for a worker thread's log lines: pass it as `workerData.logPort` (and in `transferList`);
 * the worker's `logger` then sends its JSON lines here and this thread writes them in its format.
 */
export function logPortForWorker(): MessagePort {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (line: string) => destination.write(line));
  // The worker's lifetime, not the port, keeps the process alive.
  port1.unref();
  return port2;
}
