// Ingests one complete file: hash, consult the ledger, stream rows, encode, produce in
// transactional batches that carry their ledger entry. A file that grows while it is read is
// read again for its new rows; one that shrinks or is rewritten is refused.
import { constants, type ReadStream, type Stats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Message } from 'kafkajs';
import type { ValidationLimits } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import { eventKey, sourceFileId, type RejectedRow } from '../core/event.ts';
import { encodeEvent } from '../core/avro.ts';
import { IngestError, refusedByItsHead } from './errors.ts';
import { hashPrefixes } from './file-hash.ts';
import { isGzip, notRegular } from './inbox-files.ts';
import type { IngestLedger, LedgerEntry } from './ledger.ts';
import type { EventProducer } from './producer.ts';
import { fileProgress, type Progress } from './progress.ts';
import { parseRowBatches, type ParsedRow } from './rows.ts';

export interface FileResult {
  file: string;
  status: 'ingested' | 'already-ingested';
  rows: number;
  rejected: number;
  /** Rows skipped because an earlier, interrupted run had already committed them. */
  resumedAfterLine: number;
  elapsedMs: number;
}

export interface FileIngestorDeps {
  producer: EventProducer;
  ledger: IngestLedger;
  schemaId: number;
  logger: Logger;
  batchRows: number;
  /** Event-time range and row size a row must keep to (config.ingest). */
  limits: ValidationLimits;
}

/** The bytes [0, size) of a file as read in one pass, identified by their hash. */
interface Segment {
  size: number;
  mtimeMs: number;
  hash: string;
}

const changed = (file: string, detail: string) =>
  new IngestError('ING_ERR_FILE_CHANGED', `${file}: ${detail}; rows committed before stay, nothing more is read`);

/** Opens a regular file without following a symbolic link (and without blocking on a fifo). */
async function openRegular(path: string, file: string): Promise<{ handle: FileHandle; stats: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    throw new IngestError('ING_ERR_UNREADABLE_FILE', `${file} is a symbolic link: links are not followed out of the inbox`);
  }
  const stats = await handle.stat();
  const why = notRegular(stats);
  if (why === undefined) return { handle, stats };
  await handle.close();
  throw new IngestError('ING_ERR_UNREADABLE_FILE', `${file} is ${why}`);
}

/** The ledger entry a file continues: its own, or the longest ingested prefix under its name. */
function continued(ledger: IngestLedger, file: string, hash: string, prefixes: Map<number, string>): LedgerEntry | undefined {
  const exact = ledger.get(hash);
  if (exact) return exact;
  return ledger
    .named(file)
    .filter((e) => prefixes.get(e.size) === e.hash)
    .sort((a, b) => b.size - a.size)[0];
}

/**
 * After a pass over `segment`: `final` if the file is still those bytes, `grown` if bytes were
 * appended to them; a file that shrank, was rewritten or replaced is refused.
 */
async function afterPass(handle: FileHandle, path: string, file: string, segment: Segment): Promise<'final' | 'grown'> {
  const now = await handle.stat();
  const atPath = await lstat(path).catch(() => undefined);
  if (atPath?.ino !== now.ino || atPath.dev !== now.dev) throw changed(file, 'it was replaced or removed while it was read');
  if (now.size < segment.size) throw changed(file, `it shrank from ${segment.size} to ${now.size} bytes`);
  if (now.size === segment.size && now.mtimeMs === segment.mtimeMs) return 'final';
  if ((await hashPrefixes(handle, segment.size)).hash !== segment.hash) throw changed(file, `its first ${segment.size} bytes were rewritten`);
  return now.size === segment.size ? 'final' : 'grown';
}

interface Source {
  input: Readable;
  /** A read or gunzip error: the stream then just ends, so the parser never hangs on it. */
  failure: { error?: Error };
  bytesRead(): number;
}

/** The text of bytes [0, size), gunzipped for .gz names. */
function openSource(handle: FileHandle, size: number, gzip: boolean): Source {
  const failure: { error?: Error } = {};
  let raw: ReadStream | undefined;
  async function* chunks() {
    if (size === 0) return;
    raw = handle.createReadStream({ start: 0, end: size - 1, autoClose: false });
    try {
      yield* gzip ? pipeline(raw, createGunzip(), () => undefined) : raw;
    } catch (err) {
      failure.error = err as Error;
    }
  }
  return { input: Readable.from(chunks(), { objectMode: false }), failure, bytesRead: () => raw?.bytesRead ?? 0 };
}

export async function ingestFile(path: string, deps: FileIngestorDeps): Promise<FileResult> {
  const started = Date.now();
  const file = basename(path);
  const { handle, stats } = await openRegular(path, file);
  const progress = fileProgress(deps.logger, file, stats.size);
  let resumedAfterLine: number | undefined;
  try {
    for (;;) {
      const { size, mtimeMs } = await handle.stat();
      const { hash, prefixes, bytes } = await hashPrefixes(handle, size, deps.ledger.named(file).map((e) => e.size));
      if (bytes < size) throw changed(file, `it shrank from ${size} to ${bytes} bytes`);
      const previous = continued(deps.ledger, file, hash, prefixes);
      if (previous?.done && previous.hash === hash) {
        if (resumedAfterLine === undefined) {
          deps.logger.info({ file, firstIngestedAs: previous.name }, 'file already ingested; skipped');
          return { file, status: 'already-ingested', rows: 0, rejected: 0, resumedAfterLine: previous.lastLine, elapsedMs: 0 };
        }
        return done(previous); // grew into exactly a file ingested before
      }
      const resumeAfter = previous?.lastLine ?? 0;
      resumedAfterLine ??= resumeAfter;
      if (resumeAfter > 0) deps.logger.info({ file, resumeAfter, grown: previous?.hash !== hash }, 'resuming a file after its committed lines');
      const entry: LedgerEntry = previous
        ? { ...previous, hash, size, name: file, done: false }
        : { hash, name: file, fileId: sourceFileId(hash), size, lastLine: 0, done: false, rows: 0, rejected: 0, updatedAt: started };
      const segment = { size, mtimeMs, hash };
      if ((await readPass(handle, path, file, segment, entry, resumeAfter, deps, progress)) === 'final') return done(entry);
      deps.logger.info({ file, readBytes: size }, 'file grew while it was read; reading its new rows');
    }
  } finally {
    progress.stop();
    await handle.close();
  }

  function done(entry: LedgerEntry): FileResult {
    const result: FileResult = {
      file,
      status: 'ingested',
      rows: entry.rows,
      rejected: entry.rejected,
      resumedAfterLine: resumedAfterLine ?? entry.lastLine,
      elapsedMs: Date.now() - started,
    };
    deps.logger.info(result, 'file ingested');
    return result;
  }
}

/**
 * One pass over a segment. The last row is held back until the file proves final: in a file
 * that is still growing it may be cut short, and the next pass reads it whole.
 */
async function readPass(
  handle: FileHandle,
  path: string,
  file: string,
  segment: Segment,
  entry: LedgerEntry,
  resumeAfter: number,
  deps: FileIngestorDeps,
  progress: Progress,
): Promise<'final' | 'grown'> {
  const source = openSource(handle, segment.size, isGzip(file));
  const input = source.input;
  let events: Message[] = [];
  let rejected: RejectedRow[] = [];
  let lastLine = resumeAfter;
  let held: ParsedRow | undefined;
  const take = (row: ParsedRow) => {
    if (row.ok) {
      events.push({ key: eventKey(row.event), value: encodeEvent(deps.schemaId, row.event) });
      lastLine = row.event.source_line;
    } else {
      rejected.push({ source_file: file, source_file_id: entry.fileId, source_line: row.source_line, raw_line: row.raw_line, reason: row.reason, rejected_at: Date.now() });
      lastLine = row.source_line;
    }
  };

  // One transaction in flight while the next batch is parsed and encoded: the CPU work overlaps
  // the broker round trips. Transactions still commit strictly in order.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async (done: boolean) => {
    entry.lastLine = lastLine;
    entry.rows += events.length;
    entry.rejected += rejected.length;
    entry.done = done;
    entry.updatedAt = Date.now();
    const batch = { events, rejected, ledgerEntry: { ...entry } };
    events = [];
    rejected = [];
    await inFlight;
    inFlight = deps.producer.commit(batch, deps.ledger);
    inFlight.catch(() => undefined); // surfaced by the next await
  };

  let parseError: unknown;
  try {
    for await (const rows of parseRowBatches(input, file, entry.fileId, deps.limits)) {
      for (const row of rows) {
        if ((row.ok ? row.event.source_line : row.source_line) <= resumeAfter) continue;
        if (held) take(held);
        held = row;
        if (events.length + rejected.length >= deps.batchRows) {
          await flush(false);
          progress.update(source.bytesRead(), entry.rows + entry.rejected);
        }
      }
    }
  } catch (err) {
    // A header cut short (or not yet written) by a writer still at work is not yet a bad header.
    if (!refusedByItsHead(err)) throw err;
    parseError = err;
  }
  await inFlight;
  if ((await afterPass(handle, path, file, segment)) === 'grown') return 'grown';
  const { error } = source.failure;
  if (error) throw new IngestError('ING_ERR_UNREADABLE_FILE', `${file}: ${error.message}`, { cause: error });
  if (parseError !== undefined) throw parseError;
  if (held) take(held);
  await flush(true);
  await inFlight;
  return 'final';
}
