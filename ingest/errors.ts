// Errors of the ingest component: a code table with `retriable`, as kafkajs does.
import { CodedError } from '../core/coded-error.ts';

export const INGEST_ERRORS = {
  ING_ERR_MISSING_COLUMNS: { retriable: false, message: 'the CSV header lacks required columns' },
  ING_ERR_EMPTY_FILE: { retriable: false, message: 'the file is empty' },
  ING_ERR_NOT_UTF8: { retriable: false, message: 'not UTF-8' },
  ING_ERR_UNREADABLE_FILE: { retriable: false, message: 'the file cannot be read' },
  ING_ERR_FILE_CHANGED: { retriable: false, message: 'the file shrank or was rewritten while it was read' },
  ING_ERR_BODY: { retriable: false, message: 'the request body is not a JSON array of events or a CSV' },
  ING_ERR_PRODUCE: { retriable: true, message: 'Kafka did not take the events' },
  ING_ERR_LEDGER: { retriable: true, message: 'the ingest ledger could not be read to its end' },
} as const;
export type IngestErrorCode = keyof typeof INGEST_ERRORS;

export class IngestError extends CodedError<IngestErrorCode> {
  override name = 'IngestError';
  constructor(code: IngestErrorCode, detail: string, options?: { cause?: unknown }) {
    super(code, INGEST_ERRORS[code], detail, options);
  }
}

export class MissingColumnsError extends IngestError {
  override name = 'MissingColumnsError';
  constructor(
    readonly source: string,
    readonly missing: readonly string[],
  ) {
    super('ING_ERR_MISSING_COLUMNS', `${source} has no ${missing.join(', ')}`);
  }
}

export class EmptyFileError extends IngestError {
  override name = 'EmptyFileError';
  constructor(
    readonly source: string,
    bytes: number,
  ) {
    super('ING_ERR_EMPTY_FILE', bytes === 0 ? `${source} has 0 bytes` : `${source} has ${bytes} bytes but no header row (only a byte order mark or blank lines)`);
  }
}

export class NotUtf8Error extends IngestError {
  override name = 'NotUtf8Error';
  constructor(
    readonly source: string,
    /** What the first bytes show, e.g. "UTF-16BE detected (no byte order mark)". */
    readonly detected: string,
  ) {
    super('ING_ERR_NOT_UTF8', `${detected} in ${source}: re-encode it as UTF-8`);
  }
}

/** A request body the HTTP source rejects whole: a 4xx answer with ING_ERR_BODY. */
export class BodyError extends IngestError {
  constructor(
    detail: string,
    readonly statusCode = 400,
  ) {
    super('ING_ERR_BODY', detail);
  }
}

/**
 * Refusals for what a file's first bytes hold (no header row, a foreign encoding, a header
 * without the columns): a file still being written may yet grow out of them.
 */
export const refusedByItsHead = (err: unknown): err is IngestError =>
  err instanceof MissingColumnsError || err instanceof EmptyFileError || err instanceof NotUtf8Error;
