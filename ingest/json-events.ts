// The JSON body of the HTTP source: an array of objects named like the CSV columns, in UTF-8.
// Integers beyond 2^53 stay exact, and each item is validated by the connector's own rules
// (validateFields) into an event or a rejected row of the request's batch.
import { isUtf8 } from 'node:buffer';
import type { ValidationLimits } from '../core/config.ts';
import { BodyError } from './errors.ts';
import { REQUIRED_COLUMNS, validateFields, type FieldValues } from './event-fields.ts';
import { foreignEncoding, utf16Bom } from './foreign-encoding.ts';
import { overlongRow, preview } from './rejected-line.ts';
import { REQUEST_FILE_ID, type RequestBatch } from './request-batch.ts';

/**
 * Events are an array of flat objects (depth 2); deeper bodies are rejected before JSON.parse,
 * as 100k nested arrays would overflow the stack when an item is written as a rejected row.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * The body's bytes as JSON. JSON is UTF-8 (RFC 8259): other bytes would be stored as U+FFFD
 * without a word. UTF-16 and UTF-32 are told apart by their NUL bytes or BOM (RFC 4627's
 * detection). Every failure is a BodyError.
 */
export function parseJsonBody(body: Buffer): unknown {
  try {
    const bom = utf16Bom(body);
    const foreign = foreignEncoding(body) ?? (bom && `${bom.toUpperCase()} detected (byte order mark)`);
    if (foreign) throw new BodyError(`the JSON body is not UTF-8: ${foreign}; send UTF-8`, 415);
    if (!isUtf8(body)) throw new BodyError('the JSON body is not valid UTF-8: re-encode it');
    return parseJsonKeepingBigIntegers(body.toString('utf8'));
  } catch (err) {
    throw err instanceof BodyError ? err : new BodyError(`unparsable JSON: ${(err as Error).message}`);
  }
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact: integer literals of 16 or more digits
 * outside strings become strings before parsing (category ids are 19 digits). A body nested
 * deeper than `maxDepth` arrays/objects is rejected (400 ING_ERR_BODY) before it is parsed.
 */
export function parseJsonKeepingBigIntegers(text: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (++depth > maxDepth) throw new BodyError(`JSON nested deeper than ${maxDepth} levels`);
    } else if (c === ']' || c === '}') depth--;
    else if (c === '-' || (c! >= '0' && c! <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) continue;
      const digits = m[0].replace('-', '').length;
      if (m[1] === undefined && m[2] === undefined && digits >= 16) {
        out += `${text.slice(last, i)}"${m[0]}"`;
        last = i + m[0].length;
      }
      i += m[0].length - 1;
    }
  }
  return JSON.parse(out + text.slice(last));
}

/** One JSON item as the CSV's field texts, or why it cannot be one. */
export function itemFields(item: unknown): FieldValues | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'not a JSON object with the CSV field names';
  const fields = {} as FieldValues;
  const missing: string[] = [];
  for (const column of REQUIRED_COLUMNS) {
    const v = Object.hasOwn(item, column) ? (item as Record<string, unknown>)[column] : undefined;
    if (v === undefined) missing.push(column);
    else if (v === null) fields[column] = '';
    else if (typeof v === 'string') fields[column] = v.trim();
    else if (typeof v === 'number') {
      // Integer literals of 16 digits or more arrive as strings (parseJsonKeepingBigIntegers): an
      // integer beyond 2^53 here was written with a fraction or an exponent and lost its last digits.
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return `field ${column}: the number ${v} is not exact beyond 2^53; send it as a string`;
      fields[column] = String(v);
    }
    else return `field ${column} must be a string or a number`;
  }
  if (missing.length > 0) return `missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  return fields;
}

/** The parsed body's items into the batch, each identified by its number (from 1). */
export function readJsonEvents(body: unknown, batch: RequestBatch, limits: ValidationLimits): void {
  if (!Array.isArray(body)) throw new BodyError('expected a JSON array of objects');
  const now = Date.now();
  body.forEach((item, i) => {
    const raw = JSON.stringify(item) ?? '';
    const bytes = Buffer.byteLength(raw);
    if (bytes > limits.maxRowBytes) return batch.reject({ source_line: i + 1, ...overlongRow(preview(Buffer.from(raw)), bytes, limits.maxRowBytes) }, now);
    const fields = itemFields(item);
    const result = typeof fields === 'string' ? fields : validateFields(fields, batch.sourceFile, REQUEST_FILE_ID, i + 1, now, limits);
    if (typeof result !== 'string') batch.accept(result);
    else batch.reject({ source_line: i + 1, raw_line: raw, reason: result }, now);
  });
}
