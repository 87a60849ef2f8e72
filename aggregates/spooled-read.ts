// Results in formats with a header, a footer or a document around the rows: the engine writes
// them as one file in the spool (INTO OUTFILE, in bounded memory), which is read while it grows.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawReadOptions } from './store.ts';
import { intoOutfile, type EngineSession } from './engine-session.ts';
import { settled, type EngineStatement } from './engine-statement.ts';
import { QueryLimitError } from './read-gate.ts';

const POLL_MS = 25;
const READ_BYTES = 1 << 20;

/** A result the engine writes as one file in the spool (formats with a header or a footer), read while it grows. */
export async function* spooled(session: EngineSession, spool: string, sql: string, options: RawReadOptions, run: EngineStatement, aheadBytes: number): AsyncIterable<Buffer> {
  mkdirSync(spool, { recursive: true });
  await checkSpoolDisk(spool);
  const file = join(spool, `${randomUUID()}.spool`);
  // No signal: the promise must settle when the engine is done, not when the client leaves.
  const writing = session.queryAsync(intoOutfile(sql, file, options.format));
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
