// Errors of the aggregator job: a code table with `retriable`, as ingest/errors.ts has.
import { CodedError } from '../core/coded-error.ts';

export const STREAM_ERRORS = {
  STR_ERR_OFFSET_BEYOND_END: { retriable: false, message: 'the checkpoint lies beyond the end of its partition' },
} as const;
export type StreamErrorCode = keyof typeof STREAM_ERRORS;

export class StreamError extends CodedError<StreamErrorCode> {
  override name = 'StreamError';
  constructor(code: StreamErrorCode, detail: string) {
    super(code, STREAM_ERRORS[code], detail);
  }
}

/**
 * A partition whose checkpointed offset is past its end: the topic was deleted and created again
 * (or truncated) under the checkpoint. Reading it from its start would skip its records up to
 * the checkpoint's offset (they count as processed), so it is stopped instead.
 */
export class OffsetBeyondEndError extends StreamError {
  override name = 'OffsetBeyondEndError';
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly checkpointOffset: number,
    readonly end: number,
  ) {
    super(
      'STR_ERR_OFFSET_BEYOND_END',
      `${topic} partition ${partition} ends at offset ${end} but its checkpoint resumes at ${checkpointOffset} ` +
        '(the topic was deleted and created again, or truncated); the partition is stopped, the others go on. ' +
        'Restore the topic, or stop every instance of the namespace and run `salesinsights reset` to start over',
    );
  }
}
