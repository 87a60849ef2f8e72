// The embedded store: the ClickHouse engine (chDB) in this process, on
// $SALESINSIGHTS_HOME/clickhouse, which only one process may open.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, parseError, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { Session } from 'chdb';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';
import type { Config } from '../core/config.ts';
import { processAlive } from '../core/process-alive.ts';
import { embeddedRead, embeddedWriteFile } from './embedded-read.ts';
import { sqlString } from './engine-session.ts';
import type { NativeBlock } from './native-block.ts';
import { panelSettings } from './read-gate.ts';
import { embeddedStorePath, gated, gates, limited, names, SETTINGS, spoolDir, StoreLockedError, type RawReadOptions, type Store } from './store.ts';

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

export function openEmbeddedStore(config: Config): Store {
  const limits = config.queryLimits;
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
  const readGates = gates(limits);
  const options = (o: RawReadOptions) => withDefaults(limited(limits, o));
  return {
    client,
    panelClient,
    ...readGates,
    database: config.namespace,
    mode: 'embedded',
    // Each read gets a session of its own on the same engine: its settings and readonly stay its own.
    readRaw: (sql, o) => gated(readGates.reads, o.signal, () => embeddedRead(session, spool, sql, options(o), limits.spoolAheadBytes)),
    writeRawFile: (sql, o, file, onBytes) => readGates.reads.run(() => embeddedWriteFile(session, spool, sql, options(o), file, onBytes), o.signal),
    insertNative: (table, block) => embeddedInsert(engine, insertSpool, `${config.namespace}.${table}`, block),
    close: async () => {
      await panelClient.close();
      await client.close();
      if (insertSpool !== spool) await rm(insertSpool, { recursive: true, force: true });
    },
  };
}

/**
 * The embedded insert: the block goes to a spool file the engine reads with FROM INFILE. chDB's
 * raw insert takes only text formats, and a file read costs less even for those. Its errors carry the engine's text, read into the client's error shape (code and
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
