// Raw reads from the embedded engine, streamed. chDB's streaming query formats each chunk on its
// own: fine for formats whose output is just rows one after another (CSV, TSV, JSONEachRow,
// Native...), wrong for any with a header, a footer or a document around the rows (a Parquet
// file per chunk, a header per chunk). Those the engine writes as one file (INTO OUTFILE, in
// bounded memory), which is read while it grows.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawReadOptions } from './store.ts';
import { writeChunks } from './chunk-file.ts';
import { QueryLimitError } from './read-gate.ts';

/** The part of a chDB Session used here. */
export interface EngineSession {
  queryAsync(sql: string, opts?: { format?: string; signal?: AbortSignal }): Promise<{ bytes(): Uint8Array }>;
  queryStream(sql: string, opts?: { format?: string; signal?: AbortSignal }): AsyncIterable<{ raw(): Uint8Array }>;
  close(): void;
}

/** Formats whose chunks concatenate into one valid result (no prefix, suffix or row separator of their own). */
const ROW_STREAMABLE = new Set(
  [
    'CSV', 'TabSeparated', 'TSV', 'TabSeparatedRaw', 'TSVRaw', 'Raw', 'JSONEachRow', 'JSONLines', 'NDJSON',
    'JSONStringsEachRow', 'JSONCompactEachRow', 'JSONCompactStringsEachRow', 'Native', 'RowBinary', 'TSKV',
    'LineAsString', 'RawBLOB', 'Null',
  ].map((f) => f.toLowerCase()),
);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The comment that names a read's statement in system.processes, for its cancellation. */
const MARKER = 'salesinsights-read';
const POLL_MS = 25;
/** A KILL that found nothing (sent before the statement was registered) is sent again after this. */
const KILL_RETRY_MS = 500;
const PROGRESS_MS = 250;
const READ_BYTES = 1 << 20;

export function isRowStreamable(format: string): boolean {
  return ROW_STREAMABLE.has(format.toLowerCase());
}

/** A ClickHouse string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A bound parameter's value as ClickHouse's escaped text, which `SET param_<name>` takes. */
function paramText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

async function prepare(session: EngineSession, options: RawReadOptions): Promise<void> {
  if (options.database !== undefined) {
    if (!NAME.test(options.database)) throw new Error(`bad database name "${options.database}"`);
    try {
      await session.queryAsync(`USE \`${options.database}\``);
    } catch (err) {
      if (!(options.databaseIfExists && /\bUNKNOWN_DATABASE\b|Code: 81\./.test(String((err as Error).message)))) throw err;
    }
  }
  for (const [name, value] of Object.entries(options.settings ?? {})) {
    if (!NAME.test(name) || name.toLowerCase() === 'readonly') throw new Error(`bad setting name "${name}"`);
    await session.queryAsync(`SET ${name} = ${sqlString(value)}`);
  }
  // Parameters are the session's, not bound through chDB's bind call: that one runs one at a
  // time in the whole process, so a long read with parameters would hold up every other.
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (!NAME.test(name)) throw new Error(`bad parameter name "${name}"`);
    await session.queryAsync(`SET param_${name} = ${sqlString(paramText(value))}`);
  }
  // Last: from here on the session can change nothing, not even its settings.
  await session.queryAsync('SET readonly = 1');
}

/**
 * One statement of a read on the engine, marked with a comment that names it in
 * system.processes. `cancel()` (or `signal`) kills it from a session of its own, again every
 * KILL_RETRY_MS until `end()`: an abort reaches a streaming query only between chunks, a
 * single-shot one (INTO OUTFILE) not at all, and a KILL sent before the statement is
 * registered finds nothing.
 */
class EngineStatement {
  private readonly marker = randomUUID();
  private ended = false;
  private cancelling = false;
  private readonly onAbort = () => this.cancel();

  constructor(
    private readonly newSession: () => EngineSession,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  text(sql: string): string {
    return `/* ${MARKER} ${this.marker} */ ${sql}`;
  }

  cancel(): void {
    if (this.cancelling || this.ended) return;
    this.cancelling = true;
    void (async () => {
      while (!this.ended) {
        await this.kill();
        await sleep(KILL_RETRY_MS);
      }
    })();
  }

  /** The statement has ended in the engine. */
  end(): void {
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private async kill(): Promise<void> {
    const session = this.newSession();
    try {
      // The marker is split here, so this statement's own text does not match it.
      await session.queryAsync(`KILL QUERY WHERE position(query, concat('${MARKER} ', '${this.marker}')) > 0 ASYNC`);
    } catch {
      // Already finished.
    } finally {
      session.close();
    }
  }
}

/** Settles when `promise` does, fulfilled either way. */
const settled = (promise: Promise<unknown>) => promise.then(() => undefined, () => undefined);

/**
 * A statement's result as its format's bytes. It ends only when the engine has let go of the
 * statement (an abandoned one is killed and waited for), so a caller's slot (read-gate.ts) is
 * held exactly as long as the engine works for it.
 */
export async function* embeddedRead(newSession: () => EngineSession, spool: string, statement: string, options: RawReadOptions, spoolAheadBytes = Infinity): AsyncIterable<Buffer> {
  if (!NAME.test(options.format)) throw new Error(`bad format name "${options.format}"`);
  const session = newSession();
  const run = new EngineStatement(newSession, options.signal);
  try {
    await prepare(session, options);
    const sql = run.text(statement);
    if (isRowStreamable(options.format)) {
      let stream: AsyncIterable<{ raw(): Uint8Array }>;
      try {
        stream = session.queryStream(sql, { format: options.format });
      } catch (err) {
        if (!/Streaming query is not supported/.test(String((err as Error).message))) throw err;
        // SHOW, DESCRIBE, EXISTS, EXPLAIN: chDB streams only SELECTs; these answers are small.
        yield asBuffer((await session.queryAsync(sql, { format: options.format })).bytes());
        return;
      }
      yield* streamed(stream[Symbol.asyncIterator](), run, options.signal);
      return;
    }
    yield* spooled(session, spool, sql, options, run, spoolAheadBytes);
  } finally {
    run.end();
    session.close();
  }
}

/**
 * A streamed result's chunks. The stream is always read to its end, a killed one to its error:
 * chDB's own cancel of a stream (on a break, or its signal) blocks the event loop until the
 * engine's query ends by itself, which for a heavy query is never.
 */
async function* streamed(chunks: AsyncIterator<{ raw(): Uint8Array }>, run: EngineStatement, signal: AbortSignal | undefined): AsyncIterable<Buffer> {
  let open = true;
  try {
    for (;;) {
      signal?.throwIfAborted();
      let next: IteratorResult<{ raw(): Uint8Array }>;
      try {
        next = await chunks.next();
      } catch (err) {
        open = false;
        throw err;
      }
      if (next.done) {
        open = false;
        return;
      }
      yield asBuffer(next.value.raw());
    }
  } finally {
    if (open) {
      run.cancel();
      try {
        while (!(await chunks.next()).done);
      } catch {
        // The killed statement's error.
      }
    }
  }
}

/** A result the engine writes as one file in the spool (formats with a header or a footer), read while it grows. */
async function* spooled(session: EngineSession, spool: string, sql: string, options: RawReadOptions, run: EngineStatement, aheadBytes: number): AsyncIterable<Buffer> {
  mkdirSync(spool, { recursive: true });
  await checkSpoolDisk(spool);
  const file = join(spool, `${randomUUID()}.spool`);
  // A line break first: a trailing comment in the statement cannot swallow the clause.
  // No signal: the promise must settle when the engine is done, not when the client leaves.
  const writing = session.queryAsync(`${sql}\nINTO OUTFILE ${sqlString(file)} FORMAT ${options.format}`);
  let written = false;
  void settled(writing).then(() => (written = true));
  // The engine cannot be slowed down to its reader's pace: watched on a timer (a reader that
  // reads nothing asks for nothing), a result too far ahead of its reader, or one that would
  // take the disk the store needs, is killed.
  let sent = 0;
  let diskCheckedAt = 0;
  let overrun: Error | undefined;
  const stop = (err: Error) => {
    overrun ??= err;
    run.cancel();
  };
  const watch = setInterval(() => {
    void stat(file).then(
      async ({ size }) => {
        if (size - sent > aheadBytes) stop(aheadOfReader(aheadBytes));
        if (size - diskCheckedAt > DISK_CHECK_BYTES) {
          diskCheckedAt = size;
          await checkSpoolDisk(spool).catch(stop);
        }
      },
      () => undefined,
    );
  }, POLL_MS * 4);
  try {
    for await (const chunk of tail(file, writing, options.signal)) {
      if (overrun) throw overrun;
      sent += chunk.length;
      yield chunk;
    }
    if (overrun) throw overrun;
  } catch (err) {
    throw overrun ?? err;
  } finally {
    clearInterval(watch);
    // A reader that stopped early: the engine would otherwise write the whole result for no one.
    if (!written) run.cancel();
    await settled(writing);
    await rm(file, { force: true });
  }
}

const aheadOfReader = (aheadBytes: number) =>
  new QueryLimitError(
    '396',
    'TOO_MANY_ROWS_OR_BYTES',
    `the result ran more than ${Math.round(aheadBytes / 1024 ** 2)} MiB ahead of its reader in the query spool (SALESINSIGHTS_QUERY_SPOOL_AHEAD_BYTES): read faster, or ask for a row format (JSONEachRow, CSV, TabSeparated, Native...), which streams with backpressure`,
  );

/** How much free disk a spooled result leaves at least: the store's inserts need it more. */
export const SPOOL_DISK_RESERVE_BYTES = 512 * 1024 ** 2;
/** The spool's free disk is looked at again each time a result has grown this much. */
const DISK_CHECK_BYTES = 16 * 1024 ** 2;

async function checkSpoolDisk(spool: string): Promise<void> {
  const { bavail, bsize } = await statfs(spool);
  if (bavail * bsize < SPOOL_DISK_RESERVE_BYTES) {
    throw new QueryLimitError(
      '243',
      'NOT_ENOUGH_SPACE',
      `the query spool ${spool} has less than ${SPOOL_DISK_RESERVE_BYTES >> 20} MiB of free disk left, which the store keeps for its own writes; free some disk, or ask for a row format (JSONEachRow, CSV, TabSeparated, Native...), which streams without the spool`,
    );
  }
}

/** The bytes of `file` as the engine writes it, until `writing` settles (its error is thrown). */
async function* tail(file: string, writing: Promise<unknown>, signal?: AbortSignal): AsyncIterable<Buffer> {
  let done = false;
  let failure: unknown;
  writing.then(
    () => (done = true),
    (err: unknown) => {
      done = true;
      failure = err ?? new Error('the engine failed writing the result');
    },
  );
  let handle: FileHandle | undefined;
  let position = 0;
  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      signal?.throwIfAborted();
      // Read after seeing the end, so the last bytes are not missed.
      const finished = done;
      if (handle === undefined) {
        handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (handle === undefined) {
          if (finished) return;
          await sleep(POLL_MS);
          continue;
        }
      }
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      } else if (finished) {
        if (failure !== undefined) throw failure;
        return;
      } else {
        await sleep(POLL_MS);
      }
    }
  } finally {
    await handle?.close();
  }
}

/**
 * A statement's result written to a new file. Formats the engine cannot stream chunk by chunk it
 * writes to the file itself (INTO OUTFILE); `onBytes` follows the file's size.
 */
export async function embeddedWriteFile(newSession: () => EngineSession, spool: string, statement: string, options: RawReadOptions, file: string, onBytes: (bytes: number) => void = () => undefined): Promise<number> {
  if (isRowStreamable(options.format)) return writeChunks(embeddedRead(newSession, spool, statement, options), file, onBytes);
  if (!NAME.test(options.format)) throw new Error(`bad format name "${options.format}"`);
  const session = newSession();
  const run = new EngineStatement(newSession, options.signal);
  try {
    await prepare(session, options);
    // No signal: the promise settles when the engine is done; an abort kills the statement.
    const writing = session.queryAsync(`${run.text(statement)}\nINTO OUTFILE ${sqlString(file)} FORMAT ${options.format}`);
    let ended = false;
    void settled(writing).then(() => (ended = true));
    while (!ended) {
      await Promise.race([sleep(PROGRESS_MS), settled(writing)]);
      onBytes(await stat(file).then((s) => s.size, () => 0));
    }
    await writing;
    options.signal?.throwIfAborted();
    return (await stat(file)).size;
  } finally {
    run.end();
    session.close();
  }
}
