// Errors of the ingest component: a code table with `retriable`, as kafkajs does.
export const INGEST_ERRORS = {
  ING_ERR_MISSING_COLUMNS: { retriable: false, message: 'the CSV header lacks required columns' },
  ING_ERR_UNREADABLE_FILE: { retriable: false, message: 'the file cannot be read' },
  ING_ERR_FILE_CHANGED: { retriable: false, message: 'the file shrank or was rewritten while it was read' },
  ING_ERR_BODY: { retriable: false, message: 'the request body is not a JSON array of events or a CSV' },
  ING_ERR_PRODUCE: { retriable: true, message: 'Kafka did not take the events' },
  ING_ERR_LEDGER: { retriable: true, message: 'the ingest ledger could not be read to its end' },
} as const;
export type IngestErrorCode = keyof typeof INGEST_ERRORS;

export class IngestError extends Error {
  override name = 'IngestError';
  readonly retriable: boolean;
  constructor(
    readonly code: IngestErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${INGEST_ERRORS[code].message}: ${detail}`, options);
    this.retriable = INGEST_ERRORS[code].retriable;
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
