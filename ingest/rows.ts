// CSV rows to shop events. Streaming (RecordReader frames the records, csv-parse splits quoted
// ones), columns mapped by header name, every row either a ShopEvent or a RejectedLine with its
// reason: a bad row never throws and is never lost. A header that lacks a required column (or
// cannot be read) rejects the whole file (MissingColumnsError), and so do no header at all
// (EmptyFileError) and an encoding that is not read (NotUtf8Error).
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import type { ValidationLimits } from '../core/config.ts';
import type { ShopEvent } from '../core/event.ts';
import { RecordReader, type CsvRecord, type Framed } from './csv-records.ts';
import { EmptyFileError, MissingColumnsError, NotUtf8Error } from './errors.ts';
import { REQUIRED_COLUMNS, validateFields, type Column, type FieldValues } from './event-fields.ts';
import type { RejectedLine } from './rejected-line.ts';

export type ParsedRow = { ok: true; event: ShopEvent } | ({ ok: false } & RejectedLine);

/** Column positions of the required fields, by header name. */
export function mapHeader(header: string[], source: string): Record<Column, number> {
  const names = header.map((h) => h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) throw new MissingColumnsError(source, missing);
  return Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<Column, number>;
}

function rowToFields(cells: string[], index: Record<Column, number>): FieldValues {
  const f = {} as FieldValues;
  for (const c of REQUIRED_COLUMNS) f[c] = cells[index[c]]!.trim();
  return f;
}

/** Options for well-formed records joined by LF: RecordReader has dropped the BOM and framed them. */
const CSV_OPTIONS = { record_delimiter: '\n', relax_column_count: true, bom: false } as const;

/**
 * The cells of records that hold quotes, with csv-parse, in one call for a run of them (a call
 * costs far more than a record). Should csv-parse still reject one, each record is parsed alone
 * and the rejected one gets csv-parse's reason.
 */
function quotedCells(records: readonly CsvRecord[]): Array<string[] | string> {
  try {
    const cells = parseCsv(records.map((r) => r.text).join('\n'), CSV_OPTIONS);
    if (cells.length === records.length) return cells;
  } catch {
    // one of them: find it below
  }
  return records.map((r) => {
    try {
      const [cells, more] = parseCsv(r.text, CSV_OPTIONS);
      return cells !== undefined && more === undefined ? cells : 'unparsable CSV: not one record';
    } catch (err) {
      return `unparsable CSV: ${(err as Error).message}`;
    }
  });
}

/**
 * Streams a CSV into parsed rows. `source_line` is the physical line on which a record ends
 * (the header is line 1), stable across runs, so it identifies the event. Every non-blank line
 * after the header ends as one event or one rejection, or belongs to a record whose quoted field
 * spans lines. Records without a quote are split on commas (exact for them, and far cheaper),
 * the others by csv-parse.
 */
export async function* parseRows(input: Readable, source_file: string, source_file_id: string, limits: ValidationLimits): AsyncGenerator<ParsedRow> {
  for await (const rows of parseRowBatches(input, source_file, source_file_id, limits)) yield* rows;
}

/**
 * parseRows a chunk of input at a time: the rows each read of the input completes, in line order
 * (possibly none). One await per chunk, not one per row: an await per row costs the connector
 * about a microsecond per row.
 */
export async function* parseRowBatches(
  input: Readable,
  source_file: string,
  source_file_id: string,
  limits: ValidationLimits,
): AsyncGenerator<ParsedRow[]> {
  const reader = new RecordReader(limits.maxRowBytes);
  let index: Record<Column, number> | undefined;
  let width = 0;

  const row = (record: CsvRecord, cells: string[] | string): ParsedRow | undefined => {
    if (index === undefined) {
      if (typeof cells === 'string') throw new MissingColumnsError(source_file, [...REQUIRED_COLUMNS]);
      index = mapHeader(cells, source_file);
      width = cells.length;
      return undefined;
    }
    const source_line = record.line;
    const raw_line = record.text;
    if (record.encodingError !== undefined) return { ok: false, source_line, raw_line, reason: record.encodingError };
    if (typeof cells === 'string') return { ok: false, source_line, raw_line, reason: cells };
    if (cells.length !== width) return { ok: false, source_line, raw_line, reason: `wrong column count: expected ${width}, got ${cells.length}` };
    const result = validateFields(rowToFields(cells, index), source_file, source_file_id, source_line, Date.now(), limits);
    return typeof result === 'string' ? { ok: false, source_line, raw_line, reason: result } : { ok: true, event: result };
  };

  /** The rows of framed items, in line order. */
  const rows = (items: Framed[]): ParsedRow[] => {
    const out: ParsedRow[] = [];
    for (let i = 0; i < items.length; ) {
      const item = items[i]!;
      if (item.kind === 'rejected') {
        if (index === undefined) throw new MissingColumnsError(source_file, [...REQUIRED_COLUMNS]);
        out.push({ ok: false, source_line: item.source_line, raw_line: item.raw_line, reason: item.reason });
        i++;
      } else if (!item.quoted) {
        const r = row(item, item.text.split(','));
        if (r) out.push(r);
        i++;
      } else {
        let j = i + 1;
        while (j < items.length && items[j]!.kind === 'record' && (items[j] as CsvRecord).quoted) j++;
        const run = items.slice(i, j) as CsvRecord[];
        const cells = quotedCells(run);
        run.forEach((record, k) => {
          const r = row(record, cells[k]!);
          if (r) out.push(r);
        });
        i = j;
      }
    }
    return out;
  };

  let bytes = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buf.length;
    const framed = reader.push(buf);
    if (reader.foreign !== undefined) throw new NotUtf8Error(source_file, reader.foreign);
    yield rows(framed);
  }
  const framed = reader.end();
  if (reader.foreign !== undefined) throw new NotUtf8Error(source_file, reader.foreign);
  yield rows(framed);
  if (index === undefined) throw new EmptyFileError(source_file, bytes);
}
