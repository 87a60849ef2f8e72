// The one logger (pino, as fastify uses). Pretty output in a terminal, JSON lines otherwise.
import { pino, type Logger } from 'pino';

export type { Logger };

const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'warn' : 'info');

export const logger: Logger = pino({
  level,
  base: undefined,
  transport: process.stderr.isTTY
    ? { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } }
    : undefined,
}, process.stderr.isTTY ? undefined : pino.destination(2));
