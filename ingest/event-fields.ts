// An event's fields as the texts both sources give (CSV cells, JSON item properties, named like
// the CSV columns) and their validation into a ShopEvent: one rule per field for both sources.
import { BoundedMemo } from '../core/bounded-memo.ts';
import type { ValidationLimits } from '../core/config.ts';
import { EVENT_TYPES, type EventType, type ShopEvent } from '../core/event.ts';
import { isoSecondsOfMs } from '../core/time-format.ts';
import { parseEventTime } from './event-time-text.ts';

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
export type Column = (typeof REQUIRED_COLUMNS)[number];
export type FieldValues = Record<Column, string>;

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

const DIGITS = /^\d+$/;
const MAX_LONG = (1n << 63n) - 1n;
/** Ids of up to this many digits are below 2^53: read as a number, exactly. */
const NUMBER_DIGITS = 15;
/** Longer ids by their digits (category ids are all that long). */
const longIds = new BoundedMemo<string, bigint>();

/**
 * One rule for every id column of both sources: the decimal digits of an integer 0 .. 2^63-1,
 * with leading zeros at any length, no sign, nothing else. Ids are numbers (Avro longs):
 * fixed-width exports pad them with zeros, and 000123 is the product 123 however wide the
 * padding, so rejecting a long padding while taking a short one would be arbitrary. Surrounding
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

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
const orNull = (s: string) => (s === '' ? null : s);

/**
 * Validates one row's fields; the event or the reason it was rejected. `ingested_at` is also the
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
