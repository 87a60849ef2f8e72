// Raw reads from the embedded engine, streamed. chDB's streaming query formats each chunk on its
// own: fine for formats whose output is just rows one after another (CSV, TSV, JSONEachRow,
// Native...), wrong for any with a header, a footer or a document around the rows (a Parquet
// file per chunk, a header per chunk). Those the engine writes as one file (INTO OUTFILE, in
// bounded memory), which is read while it grows.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawReadOptions } from './store.ts';

/** The part of a chDB Session used here. */
export interface EngineSession {
  queryAsync(sql: string, opts?: { format?: string; signal?: AbortSignal }): Promise<{ bytes(): Uint8Array }>;
  queryBindAsync(sql: string, params: object, opts?: { format?: string; signal?: AbortSignal }): Promise<{ bytes(): Uint8Array }>;
  queryStream(sql: string, opts?: { format?: string; signal?: AbortSignal }): AsyncIterable<{ raw(): Uint8Array }>;
  queryStreamBind(sql: string, params: object, opts?: { format?: string; signal?: AbortSignal }): AsyncIterable<{ raw(): Uint8Array }>;
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
  // Last: from here on the session can change nothing, not even its settings.
  await session.queryAsync('SET readonly = 1');
}

/**
 * Cancels the statement marked `marker` from a session of its own: an abort reaches a streaming
 * query only between chunks, and a single-shot one (INTO OUTFILE) not at all.
 */
async function kill(newSession: () => EngineSession, marker: string): Promise<void> {
  const session = newSession();
  try {
    // The marker is split here, so this statement's own text does not match it.
    await session.queryAsync(`KILL QUERY WHERE position(query, concat('${MARKER} ', '${marker}')) > 0 ASYNC`);
  } catch {
    // Already finished.
  } finally {
    session.close();
  }
}

/**
 * The statement with a comment naming it, cancelled when `signal` aborts or by `cancel()`; call
 * `done()` when it has ended.
 */
function cancellable(newSession: () => EngineSession, sql: string, signal: AbortSignal | undefined): { text: string; cancel: () => void; done: () => void } {
  const marker = randomUUID();
  const cancel = () => void kill(newSession, marker);
  signal?.addEventListener('abort', cancel, { once: true });
  return { text: `/* ${MARKER} ${marker} */ ${sql}`, cancel, done: () => signal?.removeEventListener('abort', cancel) };
}

export async function* embeddedRead(newSession: () => EngineSession, spool: string, statement: string, options: RawReadOptions): AsyncIterable<Buffer> {
  if (!NAME.test(options.format)) throw new Error(`bad format name "${options.format}"`);
  const session = newSession();
  const { text: sql, cancel, done } = cancellable(newSession, statement, options.signal);
  try {
    await prepare(session, options);
    const params = options.params && Object.keys(options.params).length > 0 ? options.params : undefined;
    const opts = { format: options.format, signal: options.signal };
    if (isRowStreamable(options.format)) {
      let stream: AsyncIterable<{ raw(): Uint8Array }>;
      try {
        stream = params ? session.queryStreamBind(sql, params, opts) : session.queryStream(sql, opts);
      } catch (err) {
        if (!/Streaming query is not supported/.test(String((err as Error).message))) throw err;
        // SHOW, DESCRIBE, EXISTS, EXPLAIN: chDB streams only SELECTs; these answers are small.
        const result = await (params ? session.queryBindAsync(sql, params, opts) : session.queryAsync(sql, opts));
        yield asBuffer(result.bytes());
        return;
      }
      for await (const chunk of stream) yield asBuffer(chunk.raw());
      return;
    }
    mkdirSync(spool, { recursive: true });
    const file = join(spool, `${randomUUID()}.spool`);
    // A line break first: a trailing comment in the statement cannot swallow the clause.
    const text = `${sql}\nINTO OUTFILE ${sqlString(file)} FORMAT ${options.format}`;
    const writing = params ? session.queryBindAsync(text, params, { signal: options.signal }) : session.queryAsync(text, { signal: options.signal });
    let settled = false;
    writing.then(
      () => (settled = true),
      () => (settled = true),
    );
    try {
      yield* tail(file, writing, options.signal);
    } finally {
      // A reader that stopped early: the engine would otherwise write the whole result for no one.
      if (!settled) cancel();
      await rm(file, { force: true });
    }
  } finally {
    done();
    session.close();
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

/** Writes chunks to a new file (never an existing one) with backpressure; resolves with the bytes written. */
export async function writeChunks(chunks: AsyncIterable<Buffer>, file: string, onBytes: (bytes: number) => void = () => undefined): Promise<number> {
  const out = createWriteStream(file, { flags: 'wx' });
  const failed = once(out, 'error').then(([err]) => Promise.reject(err as Error));
  failed.catch(() => undefined);
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
      onBytes(bytes);
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return bytes;
  } finally {
    out.destroy();
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
  const { text: sql, cancel, done } = cancellable(newSession, statement, options.signal);
  let settled = true;
  try {
    await prepare(session, options);
    const params = options.params && Object.keys(options.params).length > 0 ? options.params : undefined;
    const text = `${sql}\nINTO OUTFILE ${sqlString(file)} FORMAT ${options.format}`;
    settled = false;
    const writing = (params ? session.queryBindAsync(text, params, { signal: options.signal }) : session.queryAsync(text, { signal: options.signal })).finally(() => (settled = true));
    while (!settled) {
      await Promise.race([sleep(PROGRESS_MS), writing.catch(() => undefined)]);
      const size = await stat(file).then((s) => s.size, () => 0);
      onBytes(size);
    }
    await writing;
    return (await stat(file)).size;
  } finally {
    if (!settled) cancel();
    done();
    session.close();
  }
}
