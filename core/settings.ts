// Reading settings from the environment: each value checked once, and a wrong one fails with a
// ConfigError naming the setting and what it expects.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { STORE_TIME_RANGE } from './time-format.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

export type Env = Record<string, string | undefined>;


export function nonEmpty(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export function httpUrl(env: Env, name: string): string | undefined {
  const v = nonEmpty(env, name);
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(name, `"${v}" is not a URL; expected for example http://127.0.0.1:8123`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `"${v}" must start with http:// or https://`);
  }
  return v.replace(/\/+$/, '');
}

/** A port given as text, by a setting or a flag (`setting` names it); `min` 0 allows 0, any free port. */
export function portNumber(setting: string, text: string, min: 0 | 1 = 1): number {
  const n = /^\d{1,5}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= min && n <= 65535)) throw new ConfigError(setting, `"${text}" is not a port; expected an integer ${min}-65535`);
  return n;
}

export function port(env: Env, name: string, fallback: number, min: 0 | 1 = 1): number {
  const v = nonEmpty(env, name);
  return v === undefined ? fallback : portNumber(name, v, min);
}

export function millis(env: Env, name: string, fallback: number, max = 3_600_000): number {
  return integer(env, name, fallback, 0, max, 'milliseconds');
}

const DURATION = /^(0|[1-9][0-9]*)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration with its unit (`30m`, `90s`, `2h`, `500ms`, `0s`) in milliseconds, or NaN. Hand-written
 * rather than with the `ms` package, which reads a bare number as milliseconds: for a gap of
 * minutes a forgotten unit would pass unnoticed.
 */
export function durationMsOfText(text: string): number {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
}

export function duration(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = nonEmpty(env, name);
  if (v === undefined) return fallback;
  const ms = durationMsOfText(v);
  if (!(ms >= min && ms <= max)) throw new ConfigError(name, `"${v}" is not a duration between ${min / 1000} s and ${max / 3_600_000} h: write it with its unit, like 30m, 90s, 2h`);
  return ms;
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number, unit: string): number {
  const v = nonEmpty(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `"${v}" is not valid; expected an integer number of ${unit} ${min}-${max}`);
  }
  return n;
}

export function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = nonEmpty(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > max) throw new ConfigError(name, `"${v}" is not valid; expected a number ${min}-${max}, like 0.01`);
  return n;
}

/** An instant given as a date (2000-01-01) or an ISO 8601 time with Z or an offset, in epoch ms. */
export function instant(env: Env, name: string, fallback: number): number {
  const v = nonEmpty(env, name);
  if (v === undefined) return fallback;
  const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms) || ms < STORE_TIME_RANGE.minMs || ms > STORE_TIME_RANGE.maxMs) {
    throw new ConfigError(name, `"${v}" is not a date; expected for example 2000-01-01 or 2019-10-01T00:00:00Z (1970 .. 2106)`);
  }
  return ms;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = nonEmpty(env, name);
  if (v === undefined) return fallback;
  if (v !== 'true' && v !== 'false') throw new ConfigError(name, `"${v}" must be true or false`);
  return v === 'true';
}

/** A readable PEM file holding at least one certificate: checked here so a bad path fails before any connection. */
export function pemFile(env: Env, name: string): string | undefined {
  const v = nonEmpty(env, name);
  if (v === undefined) return undefined;
  const file = resolve(v);
  try {
    if (!statSync(file).isFile()) throw new ConfigError(name, `"${file}" is not a file; expected a PEM file of CA certificates`);
    accessSync(file, constants.R_OK);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(name, `"${file}" cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a PEM file of CA certificates`);
  }
  if (!readFileSync(file, 'utf8').includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(name, `"${file}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return file;
}
