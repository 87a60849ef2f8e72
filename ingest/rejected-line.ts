// A row the ingest's own checks reject (framing, encoding, validation), before the source adds
// its file and time to make it a RejectedRow.
import type { RejectedRow } from '../core/event.ts';

/** A rejected row identified by the physical line it ends on (a JSON body's item number). */
export type RejectedLine = Pick<RejectedRow, 'source_line' | 'raw_line' | 'reason'>;

/** raw_line of a line over the limit keeps this many bytes. */
export const PREVIEW_BYTES = 1024;

/** The rejection of a row over the limit: its reason, and its first bytes as raw_line. */
export function overlongRow(preview: string, bytes: number, maxRowBytes: number): Omit<RejectedLine, 'source_line'> {
  return {
    raw_line: `${preview}…[truncated, ${bytes} bytes]`,
    reason: `row of ${bytes} bytes is longer than the limit of ${maxRowBytes} (SALESINSIGHTS_MAX_ROW_BYTES)`,
  };
}

/** The first bytes of a line, cut at a character boundary. */
export function preview(line: Buffer): string {
  let stop = Math.min(line.length, PREVIEW_BYTES);
  if (stop < line.length) {
    const floor = Math.max(0, stop - 3);
    while (stop > floor && (line[stop]! & 0xc0) === 0x80) stop--;
  }
  return line.toString('utf8', 0, stop);
}
