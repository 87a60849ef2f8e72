// export <table|query> --format parquet|csv|jsonl --out file: a public table (SELECT * FROM
// <ns>.<table>) or a read-only statement (the rule of `sql`) streamed into a file, never whole in
// memory: beside a running `start` through its query endpoint, otherwise from the store opened
// here (the engine writes Parquet itself). The bytes go to a hidden temporary file beside `out`,
// renamed at the end, so a failed or interrupted export leaves no half file.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { ConfigError, type Config } from '../../core/config.ts';
import { checkReadOnly } from '../../aggregates/read-only.ts';
import { writeChunks } from '../../aggregates/embedded-read.ts';
import { openStore } from '../../aggregates/store.ts';
import { queryEndpoint, runningEndpoint } from '../query-endpoint.ts';

export const EXPORT_FORMATS = { parquet: 'Parquet', csv: 'CSVWithNames', jsonl: 'JSONEachRow' } as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;
/** The public tables and views of DESIGN.md: what a bare name may be. */
export const PUBLIC_TABLES = ['events', 'sales_per_product', 'customer_lifetime_value', 'late_events', 'rejected_events'] as const;

export interface ExportOptions {
  /** A public table's name or a read-only statement. */
  what: string;
  format: ExportFormat;
  out: string;
  /** A progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
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

export async function exportData(config: Config, options: ExportOptions): Promise<ExportSummary> {
  const out = resolve(options.out);
  const format = EXPORT_FORMATS[options.format];
  if (!format) throw new ConfigError('--format', `"${options.format}" must be parquet, csv or jsonl`);
  const statement = exportStatement(options.what, config.namespace);
  const dir = dirname(out);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new ConfigError('--out', `the folder ${dir} does not exist`);
  const temp = join(dir, `.${basename(out)}.${randomBytes(4).toString('hex')}.part`);
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
    renameSync(temp, out);
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
