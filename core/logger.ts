// The one logger (pino, as fastify uses). Pretty output in a terminal, JSON lines otherwise.
import { pino, type Logger } from 'pino';
import { ConfigError, logLevel, type LogLevel } from './config.ts';

export type { Logger };

/** A bad LOG_LEVEL must not crash pino at import: the logger starts at `info` and loadConfig reports the setting. */
function startLevel(): LogLevel {
  try {
    return logLevel(process.env);
  } catch (err) {
    if (err instanceof ConfigError) return 'info';
    throw err;
  }
}

const level = startLevel();

export const logger: Logger = pino({
  level,
  base: undefined,
  transport: process.stderr.isTTY
    ? { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } }
    : undefined,
}, process.stderr.isTTY ? undefined : pino.destination(2));
