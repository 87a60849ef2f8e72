// aggregates/: ClickHouse (the store, migrations, writers, read queries, checkpoints); may import core/ only.
// The only file that imports @clickhouse/client. One client API for both modes: the embedded
// ClickHouse engine (chDB) under $SALESINSIGHTS_HOME/clickhouse by default, or a ClickHouse
// server when CLICKHOUSE_URL is set.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createClient, parseError, ClickHouseError, type ClickHouseClient, type ClickHouseClientConfigOptions, type DataFormat } from '@clickhouse/client';
import { Session } from 'chdb';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';
import type { Config, QueryLimits } from '../core/config.ts';
import { processAlive } from '../core/process-alive.ts';
import { embeddedRead, embeddedWriteFile, sqlString, writeChunks } from './embedded-read.ts';
import { limitedSettings, panelSettings, ReadGate, slotsFor } from './read-gate.ts';
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

/** The pid in the store's status file when that process is alive and not this one (ClickHouse removes the file on a clean close). */
function lockHolder(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(path, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID:\s*(\d+)/m.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !processAlive(pid)) return undefined;
  // A killed holder's pid may belong to another program by now: where Linux says, it must be a node.
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node')) return undefined;
  } catch {
    // No /proc (macOS), or no access: the pid is taken as the holder.
  }
  return pid;
}

/** The gates of a store's reads, by the limits. */
function gates(limits: QueryLimits): Pick<Store, 'reads' | 'panelReads'> {
  return {
    reads: new ReadGate(slotsFor(limits.concurrency), 'SALESINSIGHTS_QUERY_CONCURRENCY'),
    panelReads: new ReadGate(slotsFor(limits.concurrency), 'SALESINSIGHTS_QUERY_CONCURRENCY'),
  };
}

/** A read's bytes once it has a slot of `gate`; the slot is given back when the read has ended. */
async function* gated(gate: ReadGate, signal: AbortSignal | undefined, read: () => AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const release = await gate.acquire(signal);
  try {
    yield* read();
  } finally {
    release();
  }
}

/** The read with the query limits among its settings (lowered where it asked for less). */
const limited = (limits: QueryLimits, options: RawReadOptions): RawReadOptions => ({ ...options, settings: limitedSettings(limits, options.settings) });

export function openStore(config: Config): Store {
  const limits = config.queryLimits;
  if (config.clickhouseUrl) {
    const server = {
      url: config.clickhouseUrl,
      username: config.clickhouseUser ?? 'default',
      password: config.clickhousePassword ?? '',
    };
    const client = createClient({ ...server, clickhouse_settings: SETTINGS });
    const panelClient = createClient({ ...server, clickhouse_settings: { ...SETTINGS, ...panelSettings(limits) } });
    const { reads, panelReads } = gates(limits);
    const read = (sql: string, options: RawReadOptions) => gated(reads, options.signal, () => serverRead(client, sql, limited(limits, options)));
    return {
      client,
      panelClient,
      reads,
      panelReads,
      database: config.namespace,
      mode: 'server',
      readRaw: read,
      writeRawFile: (sql, options, file, onBytes) => writeChunks(read(sql, options), file, onBytes),
      insertNative: async (table, block) => {
        const result = await client.exec({ query: `INSERT INTO ${config.namespace}.${table} (${names(block.columns)}) FORMAT Native`, values: Readable.from(block.pieces) });
        await finished(result.stream.resume());
      },
      close: async () => {
        await panelClient.close();
        await client.close();
      },
    };
  }
  const path = embeddedStorePath(config);
  mkdirSync(path, { recursive: true });
  // Asked before the engine, which prints its own lock error on stderr.
  const holder = lockHolder(path);
  if (holder !== undefined) throw new StoreLockedError(path, holder);
  let engine: ChdbConnection;
  try {
    engine = createChdbConnection({ path });
  } catch (err) {
    if ((err as { code?: string }).code === 'CHDB_CONNECTION' && existsSync(join(path, 'status'))) throw new StoreLockedError(path, lockHolder(path));
    throw err;
  }
  const spool = spoolDir(config);
  // This process holds the store now: spool files left by a killed one can go.
  rmSync(spool, { recursive: true, force: true });
  const insertSpool = insertSpoolDir(spool);
  const client = createClient({
    // chdb bundles its own copy of @clickhouse/client-common's types; the shapes are the same.
    connection: engine as unknown as ClickHouseClientConfigOptions['connection'],
    clickhouse_settings: SETTINGS,
  });
  // The dashboard's reads have a connection (a session) of their own: the client applies its
  // settings with SET, which on the pipeline's connection would limit the pipeline's inserts too.
  const panelClient = createClient({
    connection: createChdbConnection({ path }) as unknown as ClickHouseClientConfigOptions['connection'],
    clickhouse_settings: { ...SETTINGS, ...panelSettings(limits) },
  });
  const session = () => new Session(path);
  const { reads, panelReads } = gates(limits);
  const options = (o: RawReadOptions) => withDefaults(limited(limits, o));
  return {
    client,
    panelClient,
    reads,
    panelReads,
    database: config.namespace,
    mode: 'embedded',
    // Each read gets a session of its own on the same engine: its settings and readonly stay its own.
    readRaw: (sql, o) => gated(reads, o.signal, () => embeddedRead(session, spool, sql, options(o), limits.spoolAheadBytes)),
    writeRawFile: (sql, o, file, onBytes) => reads.run(() => embeddedWriteFile(session, spool, sql, options(o), file, onBytes), o.signal),
    insertNative: (table, block) => embeddedInsert(engine, insertSpool, `${config.namespace}.${table}`, block),
    close: async () => {
      await panelClient.close();
      await client.close();
      if (insertSpool !== spool) await rm(insertSpool, { recursive: true, force: true });
    },
  };
}

const names = (columns: readonly NativeColumn[]) => columns.map((c) => c.name).join(', ');

/**
 * The embedded insert: the block goes to a spool file the engine reads with FROM INFILE. chDB's
 * raw insert takes only text formats, and a file read costs less even for those (BENCHMARKS.md,
 * stop 19). Its errors carry the engine's text, read into the client's error shape (code and
 * type) as every other store error.
 */
async function embeddedInsert(engine: ChdbConnection, spool: string, table: string, block: NativeBlock): Promise<void> {
  await mkdir(spool, { recursive: true });
  const file = join(spool, `${randomUUID()}.native`);
  let rowsRead: number;
  try {
    await writeFile(file, block.pieces);
    rowsRead = (await engine.chdb.queryAsync(`INSERT INTO ${table} (${names(block.columns)}) FROM INFILE ${sqlString(file)} FORMAT Native`)).rowsRead;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).syscall !== undefined) throw err;
    const parsed = parseError(err instanceof Error ? err.message : String(err));
    if (parsed !== err) parsed.cause = err;
    throw parsed;
  } finally {
    await rm(file, { force: true });
  }
  // Whatever made the engine read less (see insertSpoolDir), no row goes missing unnoticed.
  if (rowsRead !== block.rows) throw new Error(`the store read ${rowsRead} of the ${block.rows} rows of an insert into ${table} from ${file}`);
}

/**
 * FROM INFILE reads its path as a glob (a home under `/data/{a}` reads nothing): inserts are then
 * spooled in the temporary directory instead.
 */
function insertSpoolDir(spool: string): string {
  return /[*?{}]/.test(spool) ? join(tmpdir(), `salesinsights-inserts-${process.pid}`) : spool;
}

/** The client's settings first (as its own queries have them), then the read's own. */
function withDefaults(options: RawReadOptions): RawReadOptions {
  return { ...options, settings: { ...Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, String(v)])), ...options.settings } };
}

// A server's current database is its client's (`database` is not applied): qualify names there.
async function* serverRead(client: ClickHouseClient, sql: string, options: RawReadOptions): AsyncIterable<Buffer> {
  const result = await client.exec({
    query: sql,
    query_params: options.params ?? {},
    clickhouse_settings: { ...options.settings, default_format: options.format as DataFormat, readonly: '1' },
    abort_signal: options.signal,
  });
  for await (const chunk of result.stream) yield chunk as Buffer;
}
