// The command line's flag and argument values, checked by commander while it parses them (its
// argParser), so a bad value ends the command with one `configuration error:` line (exit 2)
// before any command has done anything: no service started, no directory or topic created.
import { ConfigError, portNumber } from '../core/settings.ts';
import { parseDuration } from '../ingest/tools/replay.ts';
import { STORE_TIME_RANGE } from '../core/time-format.ts';

type Parser<T> = (text: string) => T;

/** A port; `min` 0 allows 0, any free port. */
export const port = (flag: string, min: 0 | 1 = 1): Parser<number> => (text) => portNumber(flag, text, min);

export const positiveInteger = (flag: string): Parser<number> => (text) => {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(n) && n > 0)) throw new ConfigError(flag, `"${text}" must be a positive integer`);
  return n;
};

export const integer = (flag: string): Parser<number> => (text) => {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new ConfigError(flag, `"${text}" must be an integer`);
  return n;
};

export const positiveNumber = (flag: string): Parser<number> => (text) => {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new ConfigError(flag, `"${text}" must be a positive number`);
  return n;
};

/** 60s, 500ms, 2m: milliseconds. */
export const duration = (flag: string): Parser<number> => (text) => {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new ConfigError(flag, (err as Error).message);
  }
};

/** A calendar day, YYYY-MM-DD, that exists. */
export const day = (flag: string): Parser<string> => (text) => {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) throw new ConfigError(flag, `"${text}" is not a day; expected YYYY-MM-DD, for example 2019-10-01`);
  return text;
};

/** One of `choices`. */
export const oneOf = <T extends string>(name: string, choices: readonly T[]): Parser<T> => (text) => {
  if (!(choices as readonly string[]).includes(text)) throw new ConfigError(name, `"${text}" is not one of ${choices.join(', ')}`);
  return text as T;
};

/** Text that is not empty (a query, a path). */
export const nonEmpty = (name: string): Parser<string> => (text) => {
  if (text.trim() === '') throw new ConfigError(name, 'must not be empty');
  return text;
};

/**
 * An instant in UTC, epoch ms: ISO 8601 (`2019-10-05T12:00:00Z`, an offset, milliseconds), a
 * store-style `2019-10-05 12:00:00` (UTC), or a day `2019-10-05` (its midnight, UTC); within what
 * the store's DateTime columns hold.
 */
export const instant = (flag: string): Parser<number> => (text) => {
  const t = text.trim();
  const form = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  const ms = form ? Date.parse(`${form[1]}T${form[2] ?? '00:00:00'}${form[3] ?? 'Z'}`) : NaN;
  // Date.parse takes 2019-02-30 as March 2nd: the day must read back as written.
  const midnight = form ? Date.parse(`${form[1]}T00:00:00Z`) : NaN;
  const dayExists = !Number.isNaN(midnight) && new Date(midnight).toISOString().slice(0, 10) === form?.[1];
  if (Number.isNaN(ms) || !dayExists) throw new ConfigError(flag, `"${text}" is not a time; expected ISO 8601 in UTC, for example 2019-10-05T00:00:00Z or 2019-10-05`);
  if (ms < STORE_TIME_RANGE.minMs || ms > STORE_TIME_RANGE.maxMs) throw new ConfigError(flag, `"${text}" is outside the store's time range (1970-01-01 .. 2106-02-07)`);
  return ms;
};
