// Ingests one complete file: hash, consult the ledger, stream rows, encode, produce in
// transactional batches that carry their ledger entry, move the file aside when done.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Message } from 'kafkajs';
import type { Logger } from '../src/logger.ts';
import type { RejectedRow } from '../src/event.ts';
import { encodeEvent } from './avro.ts';
import { hashFile } from './file-hash.ts';
import type { IngestLedger, LedgerEntry } from './ledger.ts';
import type { EventProducer } from './producer.ts';
import { fileProgress } from './progress.ts';
import { parseRows } from './rows.ts';

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
}

export async function ingestFile(path: string, deps: FileIngestorDeps): Promise<FileResult> {
  const started = Date.now();
  const file = basename(path);
  const { size } = await stat(path);
  const hash = await hashFile(path);
  const previous = deps.ledger.get(hash);
  if (previous?.done) {
    deps.logger.info({ file, firstIngestedAs: previous.name }, 'file already ingested; skipped');
    return { file, status: 'already-ingested', rows: 0, rejected: 0, resumedAfterLine: previous.lastLine, elapsedMs: 0 };
  }
  const resumeAfter = previous?.lastLine ?? 0;
  if (resumeAfter > 0) deps.logger.info({ file, resumeAfter }, 'resuming an interrupted file');

  const entry: LedgerEntry = previous
    ? { ...previous, name: file }
    : { hash, name: file, size, lastLine: 0, done: false, rows: 0, rejected: 0, updatedAt: started };
  const input = createReadStream(path);
  const progress = fileProgress(deps.logger, file, size);
  let events: Message[] = [];
  let rejected: RejectedRow[] = [];
  let lastLine = resumeAfter;

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

  try {
    for await (const row of parseRows(input, file)) {
      if (row.ok) {
        if (row.event.source_line <= resumeAfter) continue;
        events.push({ key: String(row.event.user_id), value: encodeEvent(deps.schemaId, row.event) });
        lastLine = row.event.source_line;
      } else {
        if (row.source_line <= resumeAfter) continue;
        rejected.push({ source_file: file, source_line: row.source_line, raw_line: row.raw_line, reason: row.reason, rejected_at: Date.now() });
        lastLine = row.source_line;
      }
      if (events.length + rejected.length >= deps.batchRows) {
        await flush(false);
        progress.update(input.bytesRead, entry.rows + entry.rejected);
      }
    }
    await flush(true);
    await inFlight;
  } finally {
    progress.stop();
  }
  const result: FileResult = {
    file,
    status: 'ingested',
    rows: entry.rows,
    rejected: entry.rejected,
    resumedAfterLine: resumeAfter,
    elapsedMs: Date.now() - started,
  };
  deps.logger.info(result, 'file ingested');
  return result;
}
