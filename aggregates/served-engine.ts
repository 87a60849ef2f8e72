// The embedded engine running other processes' statements, read and write (the dev store server,
// dashboard/dev-store/): test and development infrastructure, never production's store. Each
// statement gets a session of its own on the engine, as each read of the embedded store does
// (embedded-store.ts), so one request's database, settings and parameters never reach another's;
// statements of concurrent requests run side by side, each call on a libuv worker thread, as the
// engine runs the embedded store's own inserts beside its reads.
import { Session } from 'chdb';
import type { Config } from '../core/config.ts';
import { openEmbeddedStore } from './embedded-store.ts';
import { prepareSession } from './engine-session.ts';
import { insertFromFile } from './infile-insert.ts';
import { embeddedStorePath } from './store.ts';

export interface ServedStatement {
  sql: string;
  /** The output format unless the statement names its own (default_format). */
  format: string;
  database: string;
  /** Go on in the engine's default database when `database` does not exist (it was not asked for). */
  databaseIfExists: boolean;
  settings: Record<string, string>;
  /** Bound parameters `{name:Type}`, valued as RawReadOptions.params. */
  params: Record<string, string | null>;
  /** readonly=1 on the session after its settings (a client's read). */
  readonly: boolean;
  /** The rows of an insert that takes them after the statement (infile-insert.ts), spooled to a file; `compression` as FROM INFILE names it. */
  rows?: { file: string; compression?: string };
}

export interface StatementResult {
  bytes: Buffer;
  rowsRead: number;
  bytesRead: number;
  elapsedSeconds: number;
}

export interface ServedEngine {
  run(statement: ServedStatement): Promise<StatementResult>;
  close(): Promise<void>;
}

/** Opens the embedded store of config.home (refused while another process holds it) and serves statements on it. */
export function openServedEngine(config: Config): ServedEngine {
  // Held open for the engine's lock and the store's own start-up (the spool of a killed holder cleared).
  const store = openEmbeddedStore(config);
  const path = embeddedStorePath(config);
  return {
    run: async (statement) => {
      const session = new Session(path);
      try {
        await prepareSession(session, statement, statement.readonly);
        const sql = statement.rows ? insertFromFile(statement.sql, statement.rows.file, statement.rows.compression) : statement.sql;
        const result = await session.queryAsync(sql, { format: statement.format });
        const bytes = result.bytes();
        return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), rowsRead: result.rowsRead, bytesRead: result.bytesRead, elapsedSeconds: result.elapsed };
      } finally {
        session.close();
      }
    },
    close: () => store.close(),
  };
}
