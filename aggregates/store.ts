// The store's interface: one client API for both modes, the embedded ClickHouse engine (chDB,
// embedded-store.ts) under $SALESINSIGHTS_HOME/clickhouse by default, or a ClickHouse server
// (server-store.ts) when CLICKHOUSE_URL is set; open-store.ts picks one. These store modules are
// the only ones that import @clickhouse/client.
import { join } from 'node:path';
import { parseError, ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import type { Config, QueryLimits } from '../core/config.ts';
import { limitedSettings, ReadGate, slotsFor } from './read-gate.ts';
import type { NativeBlock, NativeColumn } from './native-block.ts';

export type { ClickHouseClient };

/** How a raw read runs: the caller has checked the statement (read-only.ts) and the names below. */
export interface RawReadOptions {
  /** The ClickHouse output format of the whole result (FORMAT_NAME). */
  format: string;
  /** Bound parameters `{name:Type}`, valued as @clickhouse/client's query_params (a string is the value itself). */
  params?: Record<string, string | null>;
  /** Settings applied before readonly=1; names from an allowlist, never readonly itself. */
  settings?: Record<string, string>;
  /** The current database (embedded only; a server's is its client's). */
  database?: string;
  /** With `database`: go on in the default database when that one does not exist (yet). */
  databaseIfExists?: boolean;
  signal?: AbortSignal;
}

export interface Store {
  /** The pipeline's client: inserts, checkpoints, migrations. No limits, never gated. */
  client: ClickHouseClient;
  /** The dashboard's client: its reads run under the query limits (a connection of their own in embedded mode). */
  panelClient: ClickHouseClient;
  /** The gate of readRaw and writeRawFile (the query endpoint, `sql`, `export`). */
  reads: ReadGate;
  /** The gate of the dashboard's reads (queryRows). */
  panelReads: ReadGate;
  /** The namespace's database; every public table and view lives here. */
  database: string;
  mode: 'embedded' | 'server';
  /** A statement's result as the bytes of its format, chunk by chunk (never the whole result in memory), under readonly=1 and the query limits. */
  readRaw(sql: string, options: RawReadOptions): AsyncIterable<Buffer>;
  /** The same written to a new file (the engine writes it itself where it can), `onBytes` following its size; resolves with the bytes. */
  writeRawFile(sql: string, options: RawReadOptions, file: string, onBytes?: (bytes: number) => void): Promise<number>;
  /** Inserts a block of the Native format into a table of the namespace's database. */
  insertNative(table: string, block: NativeBlock): Promise<void>;
  close(): Promise<void>;
}

/** The embedded store is open in another process (only one may open its directory). */
export class StoreLockedError extends Error {
  override name = 'StoreLockedError';
  constructor(
    readonly path: string,
    readonly pid: number | undefined,
  ) {
    super(
      `the embedded store ${path} is open in another process${pid === undefined ? '' : ` (pid ${pid})`}: only one process may open it. ` +
        'While `salesinsights start` runs, `sql` and `export` go through its query endpoint; stop the other command first, ' +
        'or set CLICKHOUSE_URL to share a ClickHouse server',
    );
  }
}

export function embeddedStorePath(config: Config): string {
  return join(config.home, 'clickhouse');
}

/** Where results the engine writes as a file (Parquet, JSON, ...) are spooled while they stream, and inserts wait to be read. */
export function spoolDir(config: Config): string {
  return join(config.home, 'run', 'spool');
}

export const SETTINGS = {
  // UInt64 ids above 2^53 must never pass through a JS number: ask for them as strings.
  output_format_json_quote_64bit_integers: 1,
  date_time_input_format: 'best_effort',
} as const;

/** A store error's ClickHouse code and type (from the server, the engine, or its text), when it has them. */
export function clickHouseCode(err: unknown): { code: number; type: string } | undefined {
  const e = err as { code?: unknown; type?: unknown; message?: unknown } | null;
  // Both the client's and chDB's copy of ClickHouseError carry them; chDB's own errors only in the text.
  if (typeof e?.code === 'string' && /^\d+$/.test(e.code) && typeof e.type === 'string') return { code: Number(e.code), type: e.type };
  const parsed = parseError(String(e?.message ?? err));
  return parsed instanceof ClickHouseError ? { code: Number(parsed.code), type: parsed.type ?? 'UNKNOWN' } : undefined;
}

/** The gates of a store's reads, by the limits. */
export function gates(limits: QueryLimits): Pick<Store, 'reads' | 'panelReads'> {
  return {
    reads: new ReadGate(slotsFor(limits.concurrency), 'SALESINSIGHTS_QUERY_CONCURRENCY'),
    panelReads: new ReadGate(slotsFor(limits.concurrency), 'SALESINSIGHTS_QUERY_CONCURRENCY'),
  };
}

/** A read's bytes once it has a slot of `gate`; the slot is given back when the read has ended. */
export async function* gated(gate: ReadGate, signal: AbortSignal | undefined, read: () => AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const release = await gate.acquire(signal);
  try {
    yield* read();
  } finally {
    release();
  }
}

/** The read with the query limits among its settings (lowered where it asked for less). */
export const limited = (limits: QueryLimits, options: RawReadOptions): RawReadOptions => ({ ...options, settings: limitedSettings(limits, options.settings) });

/** The column list of an insert of `columns`. */
export const names = (columns: readonly NativeColumn[]) => columns.map((c) => c.name).join(', ');
