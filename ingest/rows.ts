// CSV rows to shop events. Streaming (csv-parse), columns mapped by header name, every row
// either a ShopEvent or a RowRejection with its reason: a bad row never throws and is never lost.
// A header that lacks a required column rejects the whole file (MissingColumnsError).
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { EVENT_TYPES, type EventType, type ShopEvent } from '../src/event.ts';
import { MissingColumnsError } from './errors.ts';

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

export interface RowRejection {
  source_line: number;
  raw_line: string;
  reason: string;
}

export type ParsedRow = { ok: true; event: ShopEvent } | ({ ok: false } & RowRejection);

const UTC_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) UTC$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const PRICE = /^\d+(\.\d{1,2})?$/;
const UNSIGNED = /^\d{1,20}$/;
const MAX_LONG = (1n << 63n) - 1n;
const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Epoch ms (whole seconds) or an error text. */
export function parseEventTime(text: string): number | string {
  const m = UTC_TEXT.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
    const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
    const back = new Date(ms);
    if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d || h! > 23 || mi! > 59 || s! > 59) {
      return `bad event_time "${text}": no such date or time`;
    }
    return ms;
  }
  const iso = ISO_8601.exec(text);
  if (iso) {
    const ms = Date.parse(text);
    // Date.parse rolls impossible dates over (Feb 30 becomes Mar 1): the fields must survive.
    const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, mo - 1, d));
    if (!Number.isNaN(ms) && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d) return Math.floor(ms / 1000) * 1000;
    return `bad event_time "${text}": no such date or time`;
  }
  return `bad event_time "${text}": expected "YYYY-MM-DD HH:MM:SS UTC" or ISO 8601 with Z or an offset`;
}

/** Integer cents or an error text. */
export function parsePriceCents(text: string): number | string {
  if (text.startsWith('-')) return `negative price "${text}"`;
  if (!PRICE.test(text)) return `bad price "${text}": expected a decimal with at most 2 places`;
  const [whole, frac = ''] = text.split('.');
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents) || cents > 2_147_483_647) return `bad price "${text}": too large`;
  return cents;
}

function parseId(name: string, text: string): bigint | string {
  if (!UNSIGNED.test(text)) return `bad ${name} "${text}": expected a non-negative integer`;
  const id = BigInt(text);
  return id > MAX_LONG ? `bad ${name} "${text}": above 2^63-1` : id;
}

const orNull = (s: string) => (s === '' ? null : s);

/** Validates one row's fields; the event or the reason it was refused. */
export function validateFields(
  f: FieldValues,
  source_file: string,
  source_line: number,
  ingested_at: number,
): ShopEvent | string {
  const event_time = parseEventTime(f.event_time);
  if (typeof event_time === 'string') return event_time;
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

const stripEol = (raw: string) => raw.replace(/[\r\n]+$/, '');

/**
 * Streams a CSV into parsed rows. `source_line` is the physical line on which a record ends
 * (the header is line 1), stable across runs, so it identifies the event.
 */
export async function* parseRows(input: Readable, source_file: string): AsyncGenerator<ParsedRow> {
  const skipped: RowRejection[] = [];
  const parser = input.pipe(
    parse({
      bom: true,
      raw: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err, raw) => {
        skipped.push({
          source_line: Number(err?.lines ?? 0),
          raw_line: stripEol(raw ?? ''),
          reason: `unparsable CSV: ${err?.message ?? 'unknown error'}`,
        });
        return undefined;
      },
    }),
  );
  let index: Record<Column, number> | undefined;
  let width = 0;
  for await (const rec of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number } }>) {
    while (skipped.length > 0) yield { ok: false, ...skipped.shift()! };
    if (index === undefined) {
      index = mapHeader(rec.record, source_file);
      width = rec.record.length;
      continue;
    }
    const line = rec.info.lines;
    const raw_line = stripEol(rec.raw);
    if (rec.record.length !== width) {
      yield { ok: false, source_line: line, raw_line, reason: `wrong column count: expected ${width}, got ${rec.record.length}` };
      continue;
    }
    const result = validateFields(rowToFields(rec.record, index), source_file, line, Date.now());
    if (typeof result === 'string') yield { ok: false, source_line: line, raw_line, reason: result };
    else yield { ok: true, event: result };
  }
  while (skipped.length > 0) yield { ok: false, ...skipped.shift()! };
  if (index === undefined) throw new MissingColumnsError(source_file, [...REQUIRED_COLUMNS]);
}
