// CSV rows to shop events. Streaming (RecordReader frames the records, csv-parse splits quoted
// ones), columns mapped by header name, every row either a ShopEvent or a RowRejection with its
// reason: a bad row never throws and is never lost. A header that lacks a required column (or
// cannot be read) rejects the whole file (MissingColumnsError), and so do no header at all
// (EmptyFileError) and an encoding that is not read (NotUtf8Error).
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { BoundedMemo } from '../core/bounded-memo.ts';
import type { ValidationLimits } from '../core/config.ts';
import { EVENT_TYPES, type EventType, type ShopEvent } from '../core/event.ts';
import { RecordReader, type CsvRecord, type Framed, type RowRejection } from './csv-records.ts';
import { EmptyFileError, MissingColumnsError, NotUtf8Error } from './errors.ts';
import { isoSecondsOfMs } from '../core/time-format.ts';

export const REQUIRED_COLUMNS = [
  'event_time',
  'event_type',
  'product_id',
  'category_id',
  'category_code',
  'brand',
  'price',
  'user_id',
  'user_session',
] as const;
type Column = (typeof REQUIRED_COLUMNS)[number];
export type FieldValues = Record<Column, string>;

export type { RowRejection };

export type ParsedRow = { ok: true; event: ShopEvent } | ({ ok: false } & RowRejection);

const UTC_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) UTC$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const DIGITS = /^\d+$/;
const MAX_LONG = (1n << 63n) - 1n;
const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
/** No zone's offset lies beyond ±14:00 (Kiribati's +14:00 is the furthest). */
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * Epoch ms (whole seconds) or an error text. One rule for both forms: hours 00-23 (24:00:00 is
 * refused rather than rolled over to the next day: RFC 3339 has no hour 24, and a day's last
 * event belongs to that day), minutes 00-59, seconds 00-59, or 60 for a leap second, which only
 * ever falls at 23:59:60 UTC and is read as 23:59:59 (the store's times, like POSIX time, have no
 * 61st second; java.time reads it the same way).
 */
export function parseEventTime(text: string): number | string {
  let offset = 0;
  if (!UTC_TEXT.test(text)) {
    const iso = ISO_8601.exec(text);
    if (!iso) return `bad event_time "${text}": expected "YYYY-MM-DD HH:MM:SS UTC" or ISO 8601 with Z or an offset`;
    if (iso[1] !== undefined) {
      const minutes = Number(iso[3]);
      offset = (iso[1] === '-' ? -1 : 1) * (Number(iso[2]) * 60 + minutes);
      if (minutes > 59 || Math.abs(offset) > MAX_OFFSET_MINUTES) return `bad event_time "${text}": no such UTC offset (offsets run from -14:00 to +14:00)`;
    }
  }
  const ms = epochMs(utcDayMs(text), twoDigits(text, 11), twoDigits(text, 14), twoDigits(text, 17), offset);
  if (ms === undefined) return `bad event_time "${text}": no such date or time (hours 00-23, seconds 00-59, or 60 for a leap second at 23:59:60 UTC)`;
  return ms;
}

/** Epoch ms of h:mi:s on a day, at `offset` minutes east of UTC; undefined when there is no such time. */
function epochMs(dayMs: number | undefined, h: number, mi: number, s: number, offset: number): number | undefined {
  if (dayMs === undefined || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = dayMs + ((h * 60 + mi - offset) * 60 + Math.min(s, 59)) * 1000;
  if (s === 60 && (ms / 1000 + 1) % 86_400 !== 0) return undefined;
  return ms;
}

const twoDigits = (text: string, at: number) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/** The latest valid day read ("YYYY-MM-DD") and its epoch ms: rows of a slice share a few days. */
let lastDay = '';
let lastDayMs = 0;

/** Epoch ms of the "YYYY-MM-DD" that starts `text`, or undefined when there is no such day. */
function utcDayMs(text: string): number | undefined {
  if (lastDay !== '' && text.startsWith(lastDay)) return lastDayMs;
  const y = Number(text.slice(0, 4));
  const mo = Number(text.slice(5, 7));
  const d = Number(text.slice(8, 10));
  const day = new Date(Date.UTC(y, mo - 1, d));
  day.setUTCFullYear(y, mo - 1, d); // Date.UTC reads years 0-99 as 1900-1999
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  lastDay = text.slice(0, 10);
  lastDayMs = day.getTime();
  return lastDayMs;
}

/** The largest price: events hold it as cents in a 32-bit integer (the schema's Avro int). */
const MAX_PRICE_CENTS = 2_147_483_647;

/** Integer cents or an error text. "-0" is zero, not a negative price. */
export function parsePriceCents(text: string): number | string {
  const negative = text.startsWith('-');
  const cents = decimalCents(negative ? text.slice(1) : text);
  if (cents === undefined) return `bad price "${text}": expected a decimal with at most 2 places`;
  if (negative && cents !== 0) return `negative price "${text}"`;
  if (cents > MAX_PRICE_CENTS) return `bad price "${text}": above the largest price, ${MAX_PRICE_CENTS / 100} (prices are held as cents in a 32-bit integer)`;
  return cents;
}

/** Cents of "digits[.d[d]]" (the price format), read in one pass; undefined for anything else. */
function decimalCents(text: string): number | undefined {
  let whole = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    whole = whole * 10 + digit;
  }
  if (i === 0) return undefined;
  if (i === text.length) return whole * 100;
  const fraction = text.length - i - 1;
  if (text.charCodeAt(i) !== 46 || fraction < 1 || fraction > 2) return undefined;
  const tenths = text.charCodeAt(i + 1) - 48;
  const hundredths = fraction === 2 ? text.charCodeAt(i + 2) - 48 : 0;
  if (tenths < 0 || tenths > 9 || hundredths < 0 || hundredths > 9) return undefined;
  return whole * 100 + tenths * 10 + hundredths;
}

/** Ids of up to this many digits are below 2^53: read as a number, exactly. */
const NUMBER_DIGITS = 15;
/** Longer ids by their digits (category ids are all that long). */
const longIds = new BoundedMemo<string, bigint>();

/**
 * One rule for every id column of both sources: the decimal digits of an integer 0 .. 2^63-1,
 * with leading zeros at any length, no sign, nothing else. Ids are numbers (Avro longs):
 * fixed-width exports pad them with zeros, and 000123 is the product 123 however wide the
 * padding, so refusing a long padding while taking a short one would be arbitrary. Surrounding
 * whitespace is trimmed from every field of both sources before (rowToFields, itemFields).
 */
function parseId(name: string, text: string): bigint | string {
  let from = 0;
  while (from < text.length - 1 && text.charCodeAt(from) === 48) from++;
  const digits = from === 0 ? text : text.slice(from);
  if (digits.length > 0 && digits.length <= NUMBER_DIGITS) {
    let n = 0;
    for (let i = 0; i < digits.length; i++) {
      const digit = digits.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return `bad ${name} "${text}": expected a non-negative integer`;
      n = n * 10 + digit;
    }
    return BigInt(n);
  }
  const known = longIds.get(digits);
  if (known !== undefined) return known;
  if (!DIGITS.test(digits)) return `bad ${name} "${text}": expected a non-negative integer`;
  const id = digits.length > 19 ? undefined : BigInt(digits);
  return id === undefined || id > MAX_LONG ? `bad ${name} "${text}": above 2^63-1` : longIds.set(digits, id);
}

const orNull = (s: string) => (s === '' ? null : s);

/**
 * Validates one row's fields; the event or the reason it was refused. `ingested_at` is also the
 * "now" of the plausible event-time range [limits.eventTimeMinMs, now + limits.eventTimeMaxAheadMs].
 */
export function validateFields(
  f: FieldValues,
  source_file: string,
  source_file_id: string,
  source_line: number,
  ingested_at: number,
  limits: ValidationLimits,
): ShopEvent | string {
  const event_time = parseEventTime(f.event_time);
  if (typeof event_time === 'string') return event_time;
  const latest = ingested_at + limits.eventTimeMaxAheadMs;
  if (event_time < limits.eventTimeMinMs || event_time > latest) {
    return (
      `event_time "${f.event_time}" is outside the plausible range ${isoSecondsOfMs(limits.eventTimeMinMs)} .. ${isoSecondsOfMs(latest)}; ` +
      'set SALESINSIGHTS_EVENT_TIME_MIN / SALESINSIGHTS_EVENT_TIME_MAX_AHEAD_MS to widen it'
    );
  }
  if (!EVENT_TYPE_SET.has(f.event_type)) {
    return `unknown event_type "${f.event_type}": expected one of ${EVENT_TYPES.join(', ')}`;
  }
  const product_id = parseId('product_id', f.product_id);
  if (typeof product_id === 'string') return product_id;
  const category_id = f.category_id === '' ? 0n : parseId('category_id', f.category_id);
  if (typeof category_id === 'string') return category_id;
  const price_cents = parsePriceCents(f.price);
  if (typeof price_cents === 'string') return price_cents;
  const user_id = parseId('user_id', f.user_id);
  if (typeof user_id === 'string') return user_id;
  return {
    event_time,
    event_type: f.event_type as EventType,
    product_id,
    category_id,
    category_code: orNull(f.category_code),
    brand: orNull(f.brand),
    price_cents,
    user_id,
    user_session: orNull(f.user_session),
    source_file,
    source_file_id,
    source_line,
    ingested_at,
  };
}

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
 * costs far more than a record). Should csv-parse still refuse one, each record is parsed alone
 * and the refused one gets csv-parse's reason.
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
