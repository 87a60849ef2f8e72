// Raw reads from the embedded engine, streamed. chDB's streaming query formats each chunk on its
// own: fine for formats whose output is just rows one after another (CSV, TSV, JSONEachRow,
// Native...), wrong for any with a header, a footer or a document around the rows (a Parquet
// file per chunk, a header per chunk). Those the engine writes as one file (spooled-read.ts).
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawReadOptions } from './store.ts';
import { writeChunks } from './chunk-file.ts';
import { checkFormatName, intoOutfile, prepareSession, type EngineSession } from './engine-session.ts';
import { EngineStatement, settled } from './engine-statement.ts';
import { spooled } from './spooled-read.ts';

/** Formats whose chunks concatenate into one valid result (no prefix, suffix or row separator of their own). */
const ROW_STREAMABLE = new Set(
  [
    'CSV', 'TabSeparated', 'TSV', 'TabSeparatedRaw', 'TSVRaw', 'Raw', 'JSONEachRow', 'JSONLines', 'NDJSON',
    'JSONStringsEachRow', 'JSONCompactEachRow', 'JSONCompactStringsEachRow', 'Native', 'RowBinary', 'TSKV',
    'LineAsString', 'RawBLOB', 'Null',
  ].map((f) => f.toLowerCase()),
);
const PROGRESS_MS = 250;

export function isRowStreamable(format: string): boolean {
  return ROW_STREAMABLE.has(format.toLowerCase());
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/**
 * A statement's result as its format's bytes. It ends only when the engine has let go of the
 * statement (an abandoned one is killed and waited for), so a caller's slot (read-gate.ts) is
 * held exactly as long as the engine works for it.
 */
export async function* embeddedRead(newSession: () => EngineSession, spool: string, statement: string, options: RawReadOptions, spoolAheadBytes = Infinity): AsyncIterable<Buffer> {
  checkFormatName(options.format);
  const session = newSession();
  const run = new EngineStatement(newSession, options.signal);
  try {
    await prepareSession(session, options);
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

/**
 * A statement's result written to a new file. Formats the engine cannot stream chunk by chunk it
 * writes to the file itself (INTO OUTFILE); `onBytes` follows the file's size.
 */
export async function embeddedWriteFile(newSession: () => EngineSession, spool: string, statement: string, options: RawReadOptions, file: string, onBytes: (bytes: number) => void = () => undefined): Promise<number> {
  if (isRowStreamable(options.format)) return writeChunks(embeddedRead(newSession, spool, statement, options), file, onBytes);
  checkFormatName(options.format);
  const session = newSession();
  const run = new EngineStatement(newSession, options.signal);
  try {
    await prepareSession(session, options);
    // No signal: the promise settles when the engine is done; an abort kills the statement.
    const writing = session.queryAsync(intoOutfile(run.text(statement), file, options.format));
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
