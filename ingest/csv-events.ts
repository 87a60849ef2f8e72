// The CSV body of the HTTP source: the connector's own parser (parseRows) over its bytes, which
// rejects the rows that are not UTF-8 itself; what would reject a whole file rejects the body.
import { Readable } from 'node:stream';
import type { ValidationLimits } from '../core/config.ts';
import { BodyError, EmptyFileError, MissingColumnsError, NotUtf8Error } from './errors.ts';
import { REQUEST_FILE_ID, type RequestBatch } from './request-batch.ts';
import { parseRows } from './rows.ts';

/** The body's rows into the batch, each identified by its physical line (the header is line 1). */
export async function readCsvEvents(body: Buffer, batch: RequestBatch, limits: ValidationLimits): Promise<void> {
  try {
    for await (const row of parseRows(Readable.from([body]), batch.sourceFile, REQUEST_FILE_ID, limits)) {
      if (row.ok) batch.accept(row.event);
      else batch.reject(row);
    }
  } catch (err) {
    if (err instanceof MissingColumnsError) throw new BodyError(`the CSV header lacks ${err.missing.join(', ')}`);
    if (err instanceof EmptyFileError) throw new BodyError('the CSV body is empty: it has no header row');
    if (err instanceof NotUtf8Error) throw new BodyError(`the CSV body is not UTF-8: ${err.detected}; send UTF-8`, 415);
    throw err;
  }
}
