// export <table|query> --format parquet|csv|jsonl --out file: a public table (SELECT * FROM
// <ns>.<table>) or a read-only statement (the rule of `sql`) streamed into a file, never whole in
// memory: beside a running `start` through its query endpoint, otherwise from the store opened
// here (the engine writes Parquet itself). The bytes go to a hidden temporary file beside `out`,
// renamed at the end, so a failed or interrupted export leaves no half file. `out` must be a new
// path; only with `force` may it be an existing regular file, never a device, fifo, socket,
// folder or link.
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, readdirSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Config } from '../../core/config.ts';
import { ConfigError } from '../../core/settings.ts';
import { processAlive } from '../../core/process-alive.ts';
import { checkReadOnly } from '../../aggregates/read-only.ts';
import { writeChunks } from '../../aggregates/chunk-file.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { queryEndpoint, runningEndpoint } from '../query-endpoint.ts';

export const EXPORT_FORMATS = { parquet: 'Parquet', csv: 'CSVWithNames', jsonl: 'JSONEachRow' } as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;
/** The public tables of docs/design.md: what a bare name may be. */
export const PUBLIC_TABLES = [
  'events',
  'sales_per_product',
  'customer_lifetime_value',
  'late_events',
  'rejected_events',
  'sessions',
  'session_products',
  'session_abandonment_hourly',
  'abandoned_products',
  'customer_value_forecast',
  'clv_models',
  'revenue_forecast',
  'alerts',
] as const;

export interface ExportOptions {
  /** A public table's name or a read-only statement. */
  what: string;
  format: ExportFormat;
  out: string;
  /** A progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Replace `out` if it is an existing regular file (anything else is refused all the same). */
  force?: boolean;
  signal?: AbortSignal;
}

export interface ExportSummary {
  out: string;
  format: ExportFormat;
  bytes: number;
  /** Where the rows came from: the running start's endpoint or the store opened here. */
  via: 'endpoint' | 'store';
}

/** The statement an export runs: `SELECT *` of a public table for a bare name, else the text itself. */
export function exportStatement(what: string, namespace: string): string {
  const text = what.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text)) {
    if (/\sFORMAT\s+[A-Za-z][A-Za-z0-9_]*\s*;?\s*$/i.test(text)) throw new ConfigError('export', 'the query names a FORMAT: leave it out, --format says the format');
    return text;
  }
  const table = text.startsWith(`${namespace}.`) ? text.slice(namespace.length + 1) : text;
  if (!(PUBLIC_TABLES as readonly string[]).includes(table)) {
    throw new ConfigError('export', `"${text}" is not a public table; expected one of ${PUBLIC_TABLES.join(', ')}, or a SELECT query`);
  }
  return `SELECT * FROM ${namespace}.${table}`;
}

function progressBar(enabled: boolean, out: string): { update(bytes: number): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  // No total is known before the end: the bar shows bytes and speed only.
  const bar = new cliProgress.SingleBar({ format: `export ${basename(out)} | {mb} MB written | {rate} MB/s`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(0, 0, { mb: '0.0', rate: '0.0' });
  return {
    update: (bytes) => bar.update(0, { mb: mb(bytes), rate: mb(bytes / Math.max(0.001, (Date.now() - started) / 1000)) }),
    stop: () => bar.stop(),
  };
}

/** What an existing entry at `--out` is, for the refusal. */
function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSymbolicLink()) return 'a symbolic link (not followed)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFIFO()) return 'a fifo';
  return 'a socket';
}

/** Refuses an `out` that exists, unless `force` and it is a regular file. */
function checkOut(out: string, force: boolean): void {
  const stats = lstatSync(out, { throwIfNoEntry: false });
  if (!stats) return;
  if (!stats.isFile()) throw new ConfigError('--out', `${out} is ${kindOf(stats)}: export writes a new regular file, and --force replaces only a regular file`);
  if (!force) throw new ConfigError('--out', `${out} already exists; choose another path, or --force to replace it`);
}

/** The hidden file an export writes before its rename: named with its process id, which tells a stale one. */
const partName = (out: string) => `.${basename(out)}.${process.pid}-${randomBytes(4).toString('hex')}.part`;

/**
 * Removes the part files of earlier exports to `out` whose process is gone (killed before it could
 * remove its own). A part of a live export, of another process, is left alone.
 */
function removeStaleParts(out: string): void {
  const prefix = `.${basename(out)}.`;
  for (const name of readdirSync(dirname(out))) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const pid = /^(\d+)-[0-9a-f]{8}$/.exec(name.slice(prefix.length, -'.part'.length))?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(dirname(out), name), { force: true });
  }
}


/**
 * Moves the finished part file to `out`. Without `force` through a hard link, which fails if
 * something appeared at `out` meanwhile (a rename would replace it); a file system without hard
 * links gets the check and a rename.
 */
function publish(temp: string, out: string, force: boolean): void {
  if (force) {
    checkOut(out, true);
    renameSync(temp, out);
    return;
  }
  try {
    linkSync(temp, out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    checkOut(out, false); // EEXIST: refused here
    renameSync(temp, out);
    return;
  }
  rmSync(temp, { force: true });
}

export async function exportData(config: Config, options: ExportOptions): Promise<ExportSummary> {
  const out = resolve(options.out);
  const format = EXPORT_FORMATS[options.format];
  if (!format) throw new ConfigError('--format', `"${options.format}" must be parquet, csv or jsonl`);
  const statement = exportStatement(options.what, config.namespace);
  const dir = dirname(out);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new ConfigError('--out', `the folder ${dir} does not exist`);
  checkOut(out, options.force === true);
  removeStaleParts(out);
  const temp = join(dir, partName(out));
  const progress = progressBar(options.progress ?? (process.stderr.isTTY === true && !process.env.CI), out);
  // An exit before the end (the engine may still be writing) takes the temporary file along.
  const removeTemp = () => rmSync(temp, { force: true });
  process.once('exit', removeTemp);
  try {
    let bytes: number;
    let via: ExportSummary['via'];
    const running = config.clickhouseUrl ? undefined : await runningEndpoint(config);
    if (running) {
      via = 'endpoint';
      const chunks = queryEndpoint(config, running, { query: statement, defaultFormat: format, database: config.namespace, signal: options.signal });
      bytes = await writeChunks(chunks, temp, (b) => progress.update(b));
    } else {
      via = 'store';
      const store = openStore(config);
      try {
        const checked = await checkReadOnly(store, statement);
        const read = { format, database: store.database, databaseIfExists: true, signal: options.signal };
        bytes = await store.writeRawFile(checked.sql, read, temp, (b) => progress.update(b));
      } finally {
        await store.close();
      }
    }
    options.signal?.throwIfAborted();
    publish(temp, out, options.force === true);
    return { out, format: options.format, bytes, via };
  } catch (err) {
    removeTemp();
    // Interrupted: say so, not how the read noticed.
    throw options.signal?.aborted ? options.signal.reason : err;
  } finally {
    process.off('exit', removeTemp);
    progress.stop();
  }
}
