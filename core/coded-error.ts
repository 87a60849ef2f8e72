// The base of each component's error table (ingest/errors.ts, stream/errors.ts), as kafkajs'
// errors carry `retriable`: a code, its table entry's message, and the detail of this case.

export interface ErrorEntry {
  retriable: boolean;
  message: string;
}

export class CodedError<Code extends string> extends Error {
  readonly retriable: boolean;
  constructor(
    readonly code: Code,
    entry: ErrorEntry,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${entry.message}: ${detail}`, options);
    this.retriable = entry.retriable;
  }
}
