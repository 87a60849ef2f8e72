import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VALIDATION_DEFAULTS, type ValidationLimits } from '../core/config.ts';
import type { ShopEvent } from '../core/event.ts';
import { CSV_HEADER as HEADER } from './tools/generate.ts';
import { EmptyFileError, MissingColumnsError, NotUtf8Error } from './errors.ts';
import { parsePriceCents, REQUIRED_COLUMNS, validateFields, type FieldValues } from './event-fields.ts';
import { parseEventTime } from './event-time-text.ts';
import { mapHeader, parseRows, type ParsedRow } from './rows.ts';

const ROW1 = '2020-01-01 00:00:00 UTC,view,5809910,1602943681873052386,,grattol,5.24,595414620,4adb70bb-edbd-4981-b60f-a05bfd32683a';
const ROW2 = '2020-01-01 00:00:09 UTC,purchase,5844397,1487580006317032337,appliances.environment.vacuum,,2.38,462033176,09fafd6c-6c99-46b1-834f-33527f5de241';
const ROW3 = '2020-01-01 00:01:30 UTC,remove_from_cart,5811596,1602943681873052386,,,0,410333972,';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

type Fields = Partial<FieldValues>;
const DEFAULT_FIELDS: FieldValues = {
  event_time: '2020-01-01 00:00:00 UTC',
  event_type: 'view',
  product_id: '5809910',
  category_id: '1602943681873052386',
  category_code: '',
  brand: 'grattol',
  price: '5.24',
  user_id: '595414620',
  user_session: 's1',
};
/** One CSV line in the standard column order. */
const row = (f: Fields = {}) => REQUIRED_COLUMNS.map((c) => ({ ...DEFAULT_FIELDS, ...f })[c]).join(',');

/** Parses text, a buffer, or chunks (an iterable of buffers, as a file stream gives them). */
async function parseText(
  text: string | Buffer | Iterable<Buffer>,
  file = 'day.csv',
  limits: ValidationLimits = VALIDATION_DEFAULTS,
): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  const chunks = typeof text === 'string' || Buffer.isBuffer(text) ? [text] : text;
  for await (const r of parseRows(Readable.from(chunks, { objectMode: false }), file, '', limits)) out.push(r);
  return out;
}
/** A buffer cut into chunks of `size` bytes. */
const chunked = (buf: Buffer, size: number) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));
const lineOf = (r: ParsedRow) => (r.ok ? r.event.source_line : r.source_line);
const events = (rows: ParsedRow[]): ShopEvent[] => rows.flatMap((r) => (r.ok ? [r.event] : []));
const rejections = (rows: ParsedRow[]) => rows.flatMap((r) => (r.ok ? [] : [r]));
/** Events without the read time, for comparing two parses. */
const comparable = (rows: ParsedRow[]) => events(rows).map(({ ingested_at: _, ...rest }) => rest);

describe('parseRows: the happy path', () => {
  it('parses the dataset example into an exact event', async () => {
    const before = Date.now();
    const rows = await parseText(`${HEADER}\n${ROW1}\n`);
    expect(rows).toHaveLength(1);
    const [e] = events(rows);
    expect(e).toEqual({
      event_time: Date.UTC(2020, 0, 1, 0, 0, 0),
      event_type: 'view',
      product_id: 5809910n,
      category_id: 1602943681873052386n,
      category_code: null,
      brand: 'grattol',
      price_cents: 524,
      user_id: 595414620n,
      user_session: '4adb70bb-edbd-4981-b60f-a05bfd32683a',
      source_file: 'day.csv',
      source_file_id: '',
      source_line: 2,
      ingested_at: expect.any(Number),
    });
    expect(e!.ingested_at).toBeGreaterThanOrEqual(before);
  });

  it('empty category_code, brand and user_session become null; price 0 is fine', async () => {
    const [, e] = events(await parseText(`${HEADER}\n${ROW2}\n${ROW3}\n`));
    expect(e).toMatchObject({ event_type: 'remove_from_cart', category_code: null, brand: null, user_session: null, price_cents: 0, source_line: 3 });
  });

  const LF = `${HEADER}\n${ROW1}\n${ROW2}\n${ROW3}\n`;

  it('CRLF line ends give the same events', async () => {
    const crlf = await parseText(LF.replaceAll('\n', '\r\n'));
    expect(rejections(crlf)).toEqual([]);
    expect(comparable(crlf)).toEqual(comparable(await parseText(LF)));
    expect(events(crlf)[2]!.user_session).toBeNull(); // no stray \r in the last field
  });

  it('a UTF-8 BOM gives the same events', async () => {
    const bom = await parseText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(LF)]));
    expect(comparable(bom)).toEqual(comparable(await parseText(LF)));
    expect(events(bom)).toHaveLength(3);
  });

  it('a missing final newline loses nothing', async () => {
    const rows = await parseText(`${HEADER}\n${ROW1}\n${ROW2}`);
    expect(comparable(rows)).toEqual(comparable(await parseText(`${HEADER}\n${ROW1}\n${ROW2}\n`)));
    expect(events(rows)).toHaveLength(2);
  });

  it('RFC 4180 quoting: quoted commas and doubled quotes', async () => {
    const line = row({ category_code: '"kitchen,appliances"', brand: '"the ""best"" brand"', user_session: '"s1"' });
    const [e] = events(await parseText(`${HEADER}\n${line}\n`));
    expect(e).toMatchObject({ category_code: 'kitchen,appliances', brand: 'the "best" brand', user_session: 's1', price_cents: 524 });
  });

  it('columns in another order plus an extra column give the same events', async () => {
    const order = ['user_session', 'extra', 'price', 'brand', 'event_type', 'user_id', 'category_code', 'event_time', 'category_id', 'product_id'];
    const reorder = (line: string) => {
      const cells = line.split(',');
      const byName = Object.fromEntries(REQUIRED_COLUMNS.map((c, i) => [c, cells[i]!])) as Record<string, string>;
      byName.extra = 'ignored';
      return order.map((c) => byName[c]).join(',');
    };
    const text = `${order.join(',')}\n${[ROW1, ROW2, ROW3].map(reorder).join('\n')}\n`;
    const rows = await parseText(text);
    expect(rejections(rows)).toEqual([]);
    expect(comparable(rows)).toEqual(comparable(await parseText(LF)));
  });

  it('source_line is the physical line: blank lines and quoted newlines count', async () => {
    const multi = row({ category_code: '"two\nlines"' });
    const rows = await parseText(`${HEADER}\n${ROW1}\n\n${ROW2}\n${multi}\n${ROW3}\n`);
    expect(events(rows).map((e) => e.source_line)).toEqual([2, 4, 6, 7]);
    expect(events(rows)[2]!.category_code).toBe('two\nlines');
  });

  it('19-digit category ids stay exact as bigint', async () => {
    const rows = await parseText(
      `${HEADER}\n${row({ category_id: '9223372036854775807' })}\n${row({ category_id: '9007199254740993' })}\n${row({ product_id: '9007199254740993', user_id: '9007199254740995' })}\n`,
    );
    const [a, b, c] = events(rows);
    expect(a!.category_id).toBe(9223372036854775807n);
    expect(b!.category_id).toBe(9007199254740993n);
    expect(b!.category_id.toString()).toBe('9007199254740993');
    expect(c!.product_id).toBe(9007199254740993n);
    expect(c!.user_id).toBe(9007199254740995n);
  });

  it('accepts ISO 8601 with Z and with an offset', async () => {
    const rows = await parseText(
      `${HEADER}\n${row({ event_time: '2020-01-01T00:00:05Z' })}\n${row({ event_time: '2020-01-01T02:00:05+02:00' })}\n${row({ event_time: '2019-12-31T19:00:05-05:00' })}\n`,
    );
    expect(rejections(rows)).toEqual([]);
    expect(events(rows).map((e) => e.event_time)).toEqual([Date.UTC(2020, 0, 1, 0, 0, 5), Date.UTC(2020, 0, 1, 0, 0, 5), Date.UTC(2020, 0, 1, 0, 0, 5)]);
  });
});

describe('parseRows: rejections keep line, raw text and reason', () => {
  async function rejectOne(line: string, reason: RegExp) {
    const rows = await parseText(`${HEADER}\n${ROW1}\n${line}\n${ROW2}\n`, 'bad.csv');
    expect(events(rows).map((e) => e.source_line)).toEqual([2, 4]);
    const rej = rejections(rows);
    expect(rej).toHaveLength(1);
    expect(rej[0]!.source_line).toBe(3);
    expect(rej[0]!.raw_line).toBe(line);
    expect(rej[0]!.reason).toMatch(reason);
    return rej[0]!;
  }

  it('too few columns', () => rejectOne(ROW1.split(',').slice(0, 8).join(','), /column count/));
  it('too many columns', () => rejectOne(`${ROW1},extra`, /column count/));
  it('bad timestamp (no UTC suffix)', () => rejectOne(row({ event_time: '2020-01-01 00:00:00' }), /event_time/));
  it('bad timestamp (garbage)', () => rejectOne(row({ event_time: 'yesterday' }), /event_time/));
  it('bad timestamp (no such date)', () => rejectOne(row({ event_time: '2020-02-30 00:00:00 UTC' }), /event_time/));
  it('unknown event type', () => rejectOne(row({ event_type: 'click' }), /event_type/));
  it('event type is case-sensitive', () => rejectOne(row({ event_type: 'VIEW' }), /event_type/));
  it('negative price', () => rejectOne(row({ price: '-1.00' }), /negative price/));
  it('price with 3 decimals', () => rejectOne(row({ price: '5.245' }), /price/));
  it('price not a number', () => rejectOne(row({ price: 'abc' }), /price/));
  it('empty price', () => rejectOne(row({ price: '' }), /price/));
  it('non-integer product_id', () => rejectOne(row({ product_id: '5809910.5' }), /product_id/));
  it('non-integer user_id', () => rejectOne(row({ user_id: 'abc' }), /user_id/));
  it('negative user_id', () => rejectOne(row({ user_id: '-5' }), /user_id/));
  it('non-integer category_id', () => rejectOne(row({ category_id: '1.6e18' }), /category_id/));
  it('category_id above 2^63-1', () => rejectOne(row({ category_id: '9223372036854775808' }), /category_id/));
  it('empty product_id', () => rejectOne(row({ product_id: '' }), /product_id/));

  it('an unparsable CSV record is rejected, not thrown', async () => {
    const rows = await parseText(`${HEADER}\n${ROW1}\n${row({ brand: '"bad"x' })}\n`);
    expect(events(rows)).toHaveLength(1);
    expect(rejections(rows)).toHaveLength(1);
    expect(rejections(rows)[0]).toMatchObject({ source_line: 3, reason: expect.stringMatching(/unparsable CSV/) });
  });
  it('a closing quote followed by text', () => rejectOne(row({ brand: '"bad"x' }), /^unparsable CSV: the closing quote at column 63 is followed by "x"/));
  it('a quote inside an unquoted field', () => rejectOne(row({ brand: 'ba"d' }), /^unparsable CSV: quote at column 61 inside a field that does not start with a quote$/));
  it('a field with a space before its quote', () => rejectOne(row({ brand: ' "grattol"' }), /unparsable CSV: quote at column 60/));

  it('every data line ends as exactly one event or one rejection', async () => {
    const lines = [ROW1, row({ price: '-1' }), ROW2, row({ event_type: 'x' }), ROW3, `${ROW1},x`];
    const rows = await parseText(`${HEADER}\n${lines.join('\n')}\n`);
    expect(rows).toHaveLength(lines.length);
    expect(rows.map((r) => (r.ok ? r.event.source_line : r.source_line))).toEqual([2, 3, 4, 5, 6, 7]);
  });
});

describe('parseRows: a header lacking a column rejects the whole file', () => {
  it('throws MissingColumnsError naming the missing columns, before any row', async () => {
    const header = HEADER.replace(',brand', '').replace(',user_session', '');
    const line = ROW1.split(',').filter((_, i) => i !== 5 && i !== 8).join(',');
    const seen: ParsedRow[] = [];
    let error: unknown;
    try {
      for await (const r of parseRows(Readable.from([`${header}\n${line}\n${line}\n`]), 'short.csv', '', VALIDATION_DEFAULTS)) seen.push(r);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingColumnsError);
    expect((error as MissingColumnsError).missing).toEqual(['brand', 'user_session']);
    expect((error as MissingColumnsError).source).toBe('short.csv');
    expect((error as MissingColumnsError).retriable).toBe(false);
    expect(seen).toEqual([]);
  });

  it('an empty file, a BOM alone and blank lines alone have no header: EmptyFileError', async () => {
    await expect(parseText('')).rejects.toThrow(new EmptyFileError('day.csv', 0));
    await expect(parseText('')).rejects.toThrow('ING_ERR_EMPTY_FILE: the file is empty: day.csv has 0 bytes');
    await expect(parseText(Buffer.from([0xef, 0xbb, 0xbf]))).rejects.toThrow('ING_ERR_EMPTY_FILE: the file is empty: day.csv has 3 bytes but no header row');
    await expect(parseText(Buffer.from([0xff, 0xfe]))).rejects.toBeInstanceOf(EmptyFileError);
    await expect(parseText(chunked(Buffer.from('\r\n\n\n'), 1))).rejects.toThrow(new EmptyFileError('day.csv', 4));
  });

  it('a header-only file yields nothing', async () => {
    expect(await parseText(`${HEADER}\n`)).toEqual([]);
  });
});

describe('mapHeader', () => {
  it('maps names to positions, trimming spaces, ignoring extra columns', () => {
    const idx = mapHeader([' user_id', 'x', ...REQUIRED_COLUMNS.filter((c) => c !== 'user_id')], 'f.csv');
    expect(idx.user_id).toBe(0);
    expect(idx.event_time).toBe(2);
    expect(idx.user_session).toBe(9);
  });

  it('throws MissingColumnsError listing what is missing', () => {
    expect(() => mapHeader(['event_time', 'event_type'], 'f.csv')).toThrow(MissingColumnsError);
    try {
      mapHeader(REQUIRED_COLUMNS.filter((c) => c !== 'price'), 'f.csv');
    } catch (e) {
      expect((e as MissingColumnsError).missing).toEqual(['price']);
    }
    expect.assertions(2);
  });
});

describe('parseEventTime', () => {
  it('parses the dataset format', () => {
    expect(parseEventTime('2020-01-01 00:00:00 UTC')).toBe(Date.UTC(2020, 0, 1));
    expect(parseEventTime('2019-10-31 23:59:59 UTC')).toBe(Date.UTC(2019, 9, 31, 23, 59, 59));
    expect(parseEventTime('2020-02-29 12:00:00 UTC')).toBe(Date.UTC(2020, 1, 29, 12));
  });

  it('parses ISO 8601 with Z or an offset, to whole seconds', () => {
    expect(parseEventTime('2020-01-01T00:00:00Z')).toBe(Date.UTC(2020, 0, 1));
    expect(parseEventTime('2020-01-01T02:00:00+02:00')).toBe(Date.UTC(2020, 0, 1));
    expect(parseEventTime('2020-01-01T00:00:00.999Z')).toBe(Date.UTC(2020, 0, 1));
  });

  it.each([
    '',
    '2020-01-01',
    '2020-01-01 00:00:00',
    '2020-01-01T00:00:00', // ISO without a zone is ambiguous
    '2020/01/01 00:00:00 UTC',
    '2020-1-1 00:00:00 UTC',
    ' 2020-01-01 00:00:00 UTC',
    '2019-02-29 00:00:00 UTC',
    '2020-02-30 00:00:00 UTC',
    '2020-01-01 24:00:00 UTC',
    '2020-13-01 00:00:00 UTC',
    '2020-00-10 00:00:00 UTC',
    '2020-01-01 00:00:60 UTC',
    '2020-13-01T00:00:00Z',
    '2020-02-30T00:00:00Z',
    '2020-01-01T24:00:00Z',
    '2020-01-01T24:00:00+01:00',
    '2020-01-01T12:30:60Z',
    '2020-01-01 23:58:60 UTC',
    '2017-01-01T00:58:60+01:00',
    '2020-01-01T00:00:61Z',
    '2020-01-01T00:00:00+15:00',
    '2020-01-01T00:00:00-14:01',
    '2020-01-01T00:00:00+01:60',
    '2020-01-01T00:00:00+9900',
  ])('rejects %j with a reason', (text) => {
    const r = parseEventTime(text);
    expect(typeof r).toBe('string');
    expect(r).toMatch(/event_time/);
  });
});

describe('parseEventTime: one rule for hours, leap seconds and offsets', () => {
  it('refuses hour 24 in both forms instead of rolling it over to the next day', () => {
    for (const text of ['2020-01-01T24:00:00Z', '2020-01-01 24:00:00 UTC']) {
      expect(parseEventTime(text)).toBe(`bad event_time "${text}": no such date or time (hours 00-23, seconds 00-59, or 60 for a leap second at 23:59:60 UTC)`);
    }
  });

  it('takes a leap second at 23:59:60 UTC in both forms and with an offset, as 23:59:59', () => {
    const last = Date.UTC(2016, 11, 31, 23, 59, 59);
    expect(parseEventTime('2016-12-31 23:59:60 UTC')).toBe(last);
    expect(parseEventTime('2016-12-31T23:59:60Z')).toBe(last);
    expect(parseEventTime('2016-12-31T23:59:60.5Z')).toBe(last);
    expect(parseEventTime('2017-01-01T05:29:60+05:30')).toBe(last);
    expect(parseEventTime('2016-12-31T18:59:60-0500')).toBe(last);
    expect(parseEventTime('2016-12-31T23:59:60+01:00')).toMatch(/no such date or time/); // 22:59:60 UTC
  });

  it('takes offsets up to ±14:00 and names the range beyond', () => {
    expect(parseEventTime('2020-01-01T14:00:00+14:00')).toBe(Date.UTC(2020, 0, 1));
    expect(parseEventTime('2019-12-31T10:00:00-14:00')).toBe(Date.UTC(2020, 0, 1));
    expect(parseEventTime('2020-01-01T00:00:00-00:00')).toBe(Date.UTC(2020, 0, 1));
    for (const text of ['2020-01-01T15:00:00+15:00', '2020-01-01T00:00:00-14:30', '2020-01-01T00:00:00+01:75']) {
      expect(parseEventTime(text)).toBe(`bad event_time "${text}": no such UTC offset (offsets run from -14:00 to +14:00)`);
    }
  });
});

describe('parsePriceCents', () => {
  it.each([
    ['5.24', 524],
    ['5.2', 520],
    ['5', 500],
    ['0', 0],
    ['0.01', 1],
    ['0.00', 0],
    ['1234567.89', 123456789],
    ['007.50', 750],
  ])('%s -> %i cents', (text, cents) => {
    expect(parsePriceCents(text)).toBe(cents);
  });

  it('rejects a negative price as negative; minus zero is zero', () => {
    expect(parsePriceCents('-0.01')).toMatch(/negative/);
    expect(parsePriceCents('-5')).toMatch(/negative/);
    for (const zero of ['-0', '-0.0', '-0.00', '-000']) expect(parsePriceCents(zero)).toBe(0);
    expect(parsePriceCents('-')).toMatch(/^bad price/);
    expect(parsePriceCents('--0')).toMatch(/^bad price/);
  });

  it('names the largest price when refusing a larger one', () => {
    expect(parsePriceCents('21474836.47')).toBe(2_147_483_647);
    expect(parsePriceCents('21474836.48')).toBe('bad price "21474836.48": above the largest price, 21474836.47 (prices are held as cents in a 32-bit integer)');
    expect(parsePriceCents('9999999999.99')).toMatch(/above the largest price, 21474836\.47/);
    expect(parsePriceCents('9'.repeat(400))).toMatch(/above the largest price, 21474836\.47/);
  });

  it.each(['', 'abc', '5.245', '.5', '5.', '1e2', '+5', '5,24', '0x10', '5.2.1', 'NaN', 'Infinity', '5.a', '5.2a', '٣'])('rejects %j', (text) => {
    expect(typeof parsePriceCents(text)).toBe('string');
  });

  it('reads exactly the texts of its definition, digits with at most 2 places, as their cents', () => {
    const definition = /^-?\d+(\.\d{1,2})?$/;
    const priceLike = fc.stringMatching(/^-?[0-9]{0,12}(\.[0-9]{0,3})?$/);
    fc.assert(
      fc.property(fc.oneof(priceLike, fc.string()), (text) => {
        const cents = parsePriceCents(text);
        if (!definition.test(text)) {
          expect(typeof cents).toBe('string');
          return;
        }
        const [whole, fraction = ''] = text.replace('-', '').split('.');
        const expected = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
        if (text.startsWith('-') && expected > 0) expect(cents).toBe(`negative price "${text}"`);
        else expect(cents).toEqual(expected > 2_147_483_647 ? expect.stringMatching(/above the largest price, 21474836\.47/) : expected);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('validateFields', () => {
  it('keeps the identity and read time it is given', () => {
    const e = validateFields(DEFAULT_FIELDS, 'a.csv', 'a1', 42, NOW, VALIDATION_DEFAULTS);
    expect(e).toMatchObject({ source_file: 'a.csv', source_file_id: 'a1', source_line: 42, ingested_at: NOW, price_cents: 524, user_session: 's1' });
  });

  it('returns the first failure as text', () => {
    expect(validateFields({ ...DEFAULT_FIELDS, event_type: 'nope' }, 'a.csv', '', 2, NOW, VALIDATION_DEFAULTS)).toMatch(/unknown event_type "nope"/);
  });

  it('reads ids as their definition does (ASCII digits, leading zeros at any length, at most 2^63-1), short and long, repeated or not', () => {
    const definition = (text: string): bigint | undefined => (/^\d+$/.test(text) && BigInt(text) < 2n ** 63n ? BigInt(text) : undefined);
    const idText = fc.oneof(
      fc.stringMatching(/^[0-9]{1,22}$/),
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
      fc.tuple(fc.nat({ max: 60 }), fc.bigInt({ min: 0n, max: 2n ** 64n })).map(([zeros, n]) => `${'0'.repeat(zeros)}${n}`),
      fc.constantFrom('', '0', '00', '007', '9223372036854775807', '9223372036854775808', '٣', '1e5', ' 12', '12 ', '+1', '-1', '１２', '0x1', '00 1'),
      fc.constantFrom(`${'0'.repeat(40)}1`, `${'0'.repeat(40)}9223372036854775807`, `${'0'.repeat(40)}9223372036854775808`, '0'.repeat(41)),
      fc.string({ maxLength: 22 }),
    );
    fc.assert(
      fc.property(fc.array(idText, { minLength: 1, maxLength: 4 }), (texts) => {
        for (const text of [...texts, ...texts]) {
          const e = validateFields({ ...DEFAULT_FIELDS, product_id: text }, 'a.csv', '', 2, NOW, VALIDATION_DEFAULTS);
          const expected = definition(text);
          if (expected === undefined) expect(e).toMatch(/^bad product_id /);
          else expect(typeof e === 'string' ? e : e.product_id).toBe(expected);
        }
      }),
      { numRuns: 3000, seed: 2026_12_03 },
    );
  });
});

describe('ids: one rule for every id column', () => {
  it('surrounding whitespace and leading zeros at any length give the same id in each column; signs and inner spaces do not', async () => {
    const padded = `${'0'.repeat(40)}1`;
    for (const column of ['product_id', 'category_id', 'user_id'] as const) {
      const rows = await parseText(
        `${HEADER}\n${row({ [column]: ' 123' })}\n${row({ [column]: '"0123 "' })}\n${row({ [column]: padded })}\n${row({ [column]: '+1' })}\n${row({ [column]: '1 2' })}\n${row({ [column]: `${'0'.repeat(40)}9223372036854775808` })}\n`,
      );
      expect(rows.map((r) => (r.ok ? r.event[column] : r.reason))).toEqual([
        123n,
        123n,
        1n,
        `bad ${column} "+1": expected a non-negative integer`,
        `bad ${column} "1 2": expected a non-negative integer`,
        `bad ${column} "${'0'.repeat(40)}9223372036854775808": above 2^63-1`,
      ]);
    }
  });
});

describe('plausible event time', () => {
  const DAY = 86_400_000;
  const utcText = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const rangeReason = /^event_time ".+" is outside the plausible range 2000-01-01T00:00:00Z \.\. \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; set SALESINSIGHTS_EVENT_TIME_MIN \/ SALESINSIGHTS_EVENT_TIME_MAX_AHEAD_MS to widen it$/;

  it.each([
    '0000-01-01 00:00:00 UTC',
    '0099-12-31 23:59:59 UTC',
    '1969-12-31 23:59:59 UTC',
    '1970-01-01 00:00:00 UTC',
    '1999-12-31 23:59:59 UTC',
    '2107-01-01 00:00:00 UTC',
    '9999-12-31 23:59:59 UTC',
    '1970-01-01T00:00:00Z',
    '2107-01-01T00:00:00+01:00',
  ])('rejects %s in the row of its own line', async (event_time) => {
    const line = row({ event_time });
    const rows = await parseText(`${HEADER}\n${ROW1}\n${line}\n${ROW2}\n`);
    expect(rows.map(lineOf)).toEqual([2, 3, 4]);
    expect(rejections(rows)).toEqual([{ ok: false, source_line: 3, raw_line: line, reason: expect.stringMatching(rangeReason) }]);
  });

  it('rejects now + 2 days, takes now + 1 day - 1 minute and 2000-01-01 00:00:00', async () => {
    const now = Date.now();
    const rows = await parseText(
      `${HEADER}\n${row({ event_time: utcText(now + 2 * DAY) })}\n${row({ event_time: utcText(now + DAY - 60_000) })}\n${row({ event_time: '2000-01-01 00:00:00 UTC' })}\n`,
    );
    expect(rows.map((r) => r.ok)).toEqual([false, true, true]);
    expect(rejections(rows)[0]!.reason).toMatch(rangeReason);
  });

  it('names the range from the limits and the read time', () => {
    const limits = { ...VALIDATION_DEFAULTS, eventTimeMinMs: Date.UTC(2019, 9, 1), eventTimeMaxAheadMs: 0 };
    const at = (event_time: string) => validateFields({ ...DEFAULT_FIELDS, event_time }, 'a.csv', '', 2, NOW + 999, limits);
    expect(at('2019-09-30 23:59:59 UTC')).toBe(
      'event_time "2019-09-30 23:59:59 UTC" is outside the plausible range 2019-10-01T00:00:00Z .. 2026-01-15T12:00:00Z; ' +
        'set SALESINSIGHTS_EVENT_TIME_MIN / SALESINSIGHTS_EVENT_TIME_MAX_AHEAD_MS to widen it',
    );
    expect(at('2026-01-15 12:00:01 UTC')).toMatch(/outside the plausible range/);
    expect(at('2026-01-15 12:00:00 UTC')).toMatchObject({ event_time: NOW });
    expect(at('2019-10-01 00:00:00 UTC')).toMatchObject({ event_time: Date.UTC(2019, 9, 1) });
  });

  it('parseEventTime reads years 0000-0099 as such, not as 1900-1999', () => {
    expect(parseEventTime('0050-03-01 00:00:00 UTC')).toBe(Date.parse('0050-03-01T00:00:00Z'));
    expect(parseEventTime('0000-01-01 00:00:00 UTC')).toBe(Date.parse('0000-01-01T00:00:00Z'));
    expect(parseEventTime('0001-02-29 00:00:00 UTC')).toMatch(/no such date/); // 1901 is no leap year either, 0004 is
    expect(parseEventTime('0004-02-29 00:00:00 UTC')).toBe(Date.parse('0004-02-29T00:00:00Z'));
  });
});

describe('rows over the size limit', () => {
  const LIMIT = `row of 52428800 bytes is longer than the limit of 65536 (SALESINSIGHTS_MAX_ROW_BYTES)`;

  it('a 50 MB line between good rows is rejected with its first 1024 bytes; the next rows and lines follow', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 'x');
    big.write('2020-01-01 00:00:00 UTC,view,');
    const input = Buffer.concat([Buffer.from(`${HEADER}\n${ROW1}\n`), big, Buffer.from(`\n${ROW2}\n${ROW3}\n`)]);
    const rows = await parseText(chunked(input, 65_536));
    expect(rows.map(lineOf)).toEqual([2, 3, 4, 5]);
    expect(rows.map((r) => r.ok)).toEqual([true, false, true, true]);
    const rej = rejections(rows)[0]!;
    expect(rej.reason).toBe(LIMIT);
    expect(rej.raw_line).toBe(`${big.toString('latin1', 0, 1024)}…[truncated, 52428800 bytes]`);
  });

  it('the same 50 MB line in one chunk, with CRLF', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 'y');
    const rows = await parseText(Buffer.concat([Buffer.from(`${HEADER}\r\n${ROW1}\r\n`), big, Buffer.from(`\r\n${ROW2}\r\n`)]));
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, true], [3, false], [4, true]]);
    expect(rejections(rows)[0]!.reason).toBe(LIMIT);
  });

  it('maxRowBytes is the limit in bytes without the line end, also across chunk ends', async () => {
    const limits = { ...VALIDATION_DEFAULTS, maxRowBytes: 256 };
    const sized = (bytes: number) => row({ user_session: 's'.repeat(bytes - row({ user_session: '' }).length) });
    const lines = [sized(256), sized(257), sized(256), sized(300)];
    for (const eol of ['\n', '\r\n']) {
      const input = Buffer.from(`${HEADER}${eol}${lines.join(eol)}${eol}`);
      for (const size of [7, 64, 1 << 16]) {
        const rows = await parseText(chunked(input, size), 'day.csv', limits);
        expect(rows.map((r) => [lineOf(r), r.ok ? 'ok' : r.reason])).toEqual([
          [2, 'ok'],
          [3, 'row of 257 bytes is longer than the limit of 256 (SALESINSIGHTS_MAX_ROW_BYTES)'],
          [4, 'ok'],
          [5, 'row of 300 bytes is longer than the limit of 256 (SALESINSIGHTS_MAX_ROW_BYTES)'],
        ]);
      }
    }
  });

  it('the kept bytes of a rejected line end at a character boundary', async () => {
    const line = `${'é'.repeat(511)}x${'é'.repeat(2000)}`; // 'é' is 2 bytes: byte 1024 is inside one
    const [rej] = rejections(await parseText(`${HEADER}\n${line}\n`, 'day.csv', { ...VALIDATION_DEFAULTS, maxRowBytes: 4096 }));
    expect(rej!.raw_line).toBe(`${'é'.repeat(511)}x…[truncated, 5023 bytes]`);
  });

  it('an over-long header rejects the file', async () => {
    await expect(parseText(`${HEADER},${'x'.repeat(70_000)}\n${ROW1}\n`)).rejects.toBeInstanceOf(MissingColumnsError);
  });
});

describe('bytes that are not UTF-8', () => {
  it('a latin-1 row between good rows is rejected naming the byte and its column', async () => {
    const latin1 = Buffer.from(row({ brand: 'café', user_session: 'naïve' }), 'latin1');
    const column = latin1.indexOf(0xe9) + 1;
    const rows = await parseText(Buffer.concat([Buffer.from(`${HEADER}\n${ROW1}\n`), latin1, Buffer.from(`\n${ROW2}\n`)]));
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, true], [3, false], [4, true]]);
    expect(rejections(rows)[0]).toMatchObject({
      reason: `not valid UTF-8 (byte 0xE9 at column ${column}); re-encode the file as UTF-8`,
      raw_line: row({ brand: 'caf\uFFFD', user_session: 'na\uFFFDve' }),
    });
  });

  it('a U+FFFD written as UTF-8 is a valid character', async () => {
    const [e] = events(await parseText(`${HEADER}\n${row({ brand: 'x\uFFFDy' })}\n`));
    expect(e!.brand).toBe('x\uFFFDy');
  });

  it.each([
    ['a surrogate', [0xed, 0xa0, 0x80], 0xed],
    ['an overlong slash', [0xc0, 0xaf], 0xc0],
    ['a cut sequence', [0xe2, 0x82], 0xe2],
    ['a lone continuation byte', [0x80], 0x80],
    ['a UTF-16BE fragment', [0xd8, 0x3d, 0xde, 0x00], 0xd8],
  ])('%s is rejected', async (_, bytes, byte) => {
    const prefix = row({ brand: '' }).slice(0, 58);
    const line = Buffer.concat([Buffer.from(prefix), Buffer.from(bytes), Buffer.from(row().slice(58))]);
    const rows = await parseText(Buffer.concat([Buffer.from(`${HEADER}\n`), line, Buffer.from(`\n${ROW2}\n`)]));
    expect(rows.map((r) => r.ok)).toEqual([false, true]);
    expect(rejections(rows)[0]!.reason).toBe(`not valid UTF-8 (byte 0x${byte.toString(16).toUpperCase()} at column 59); re-encode the file as UTF-8`);
  });

  const UTF16_TEXT = `${HEADER}\r\n${ROW1}\r\n${row({ brand: 'café' })}\r\n`;
  const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

  it('a UTF-16LE file with its BOM reads as before', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(UTF16_TEXT, 'utf16le')]);
    const rows = await parseText(chunked(utf16, 5));
    expect(comparable(rows)).toEqual(comparable(await parseText(UTF16_TEXT)));
    expect(events(rows)[1]!.brand).toBe('café');
  });

  it('so does a UTF-16BE file with its BOM', async () => {
    const rows = await parseText(chunked(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(UTF16_TEXT)]), 3));
    expect(comparable(rows)).toEqual(comparable(await parseText(UTF16_TEXT)));
    expect(events(rows)[1]!.brand).toBe('café');
  });

  it.each([
    ['UTF-16LE without a BOM', Buffer.from(UTF16_TEXT, 'utf16le'), 'UTF-16LE detected (no byte order mark)'],
    ['UTF-16BE without a BOM', utf16be(UTF16_TEXT), 'UTF-16BE detected (no byte order mark)'],
    ['UTF-32LE with its BOM', Buffer.from([0xff, 0xfe, 0, 0, 0x65, 0, 0, 0]), 'UTF-32LE detected (byte order mark)'],
    ['UTF-32BE with its BOM', Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x65]), 'UTF-32BE detected (byte order mark)'],
    ['UTF-32LE without a BOM', Buffer.from([0x65, 0, 0, 0, 0x76, 0, 0, 0]), 'UTF-32LE detected (no byte order mark)'],
    ['UTF-32BE without a BOM', Buffer.from([0, 0, 0, 0x65, 0, 0, 0, 0x76]), 'UTF-32BE detected (no byte order mark)'],
  ])('%s refuses the file as not UTF-8, naming what it is', async (_, bytes, detected) => {
    for (const size of [1, 3, 1 << 16]) {
      await expect(parseText(chunked(bytes, size))).rejects.toThrow(new NotUtf8Error('day.csv', detected));
    }
    await expect(parseText(bytes)).rejects.toThrow(`ING_ERR_NOT_UTF8: not UTF-8: ${detected} in day.csv: re-encode it as UTF-8`);
  });
});

describe('unterminated quotes', () => {
  const stray = row({ brand: '"grattol' });

  it('rejects the line where the quote opened and parses the rows after it', async () => {
    const rows = await parseText(`${HEADER}\n${ROW1}\n${stray}\n${ROW2}\n${ROW3}\n`);
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, true], [3, false], [4, true], [5, true]]);
    expect(rejections(rows)[0]).toEqual({
      ok: false,
      source_line: 3,
      raw_line: stray,
      reason:
        'unterminated quote: the quoted field opened at column 59 is not closed into a row of 9 fields within 65536 bytes ' +
        '(SALESINSIGHTS_MAX_ROW_BYTES); the lines after it are read as rows of their own',
    });
  });

  it('on the last line, without a final newline', async () => {
    const rows = await parseText(`${HEADER}\n${ROW1}\n${stray}`);
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, true], [3, false]]);
  });

  it('a later line that closes the quote into the wrong number of fields gets its own result', async () => {
    const rows = await parseText(`${HEADER}\n${stray}\n${ROW1}\nend",x\n${ROW2}\n`);
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, false], [3, true], [4, false], [5, true]]);
    expect(rejections(rows)[1]!.reason).toMatch(/^unparsable CSV: quote at column 4/);
  });

  it('a later line with quoted fields does not close it', async () => {
    const quoted = REQUIRED_COLUMNS.map((c) => `"${DEFAULT_FIELDS[c]}"`).join(',');
    const rows = await parseText(`${HEADER}\n${stray}\n${quoted}\n${quoted}\n`);
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, false], [3, true], [4, true]]);
  });

  it('a quoted field spanning lines is one record when it closes into a whole row', async () => {
    const rows = await parseText(`${HEADER}\r\n${row({ brand: '"two\r\n\r\nlines, ""quoted"""' })}\r\n${ROW1}\r\n`);
    expect(rows.map(lineOf)).toEqual([4, 5]);
    expect(events(rows)[0]!.brand).toBe('two\r\n\r\nlines, "quoted"');
  });

  it('a quoted field spanning more than maxRowBytes is unterminated', async () => {
    const [head, tail] = [row().slice(0, 58), row().slice(row().indexOf(',5.24,'))];
    const lines = [`${head}"a`, ...Array.from({ length: 3 }, () => 'x'.repeat(100)), `end"${tail}`, ROW1];
    const text = `${HEADER}\n${lines.join('\n')}\n`;
    const whole = await parseText(text);
    expect(whole.map((r) => [lineOf(r), r.ok])).toEqual([[6, true], [7, true]]);
    expect(events(whole)[0]!.brand).toBe(`a\n${'x'.repeat(100)}\n${'x'.repeat(100)}\n${'x'.repeat(100)}\nend`);
    const rows = await parseText(text, 'day.csv', { ...VALIDATION_DEFAULTS, maxRowBytes: 256 });
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, false], [3, false], [4, false], [5, false], [6, false], [7, true]]);
    expect(rejections(rows).map((r) => r.reason.split(':')[0])).toEqual(['unterminated quote', 'wrong column count', 'wrong column count', 'wrong column count', 'unparsable CSV']);
  });

  it('a header with an unterminated quote rejects the file', async () => {
    await expect(parseText(`"${HEADER}\n${ROW1}\n`)).rejects.toBeInstanceOf(MissingColumnsError);
  });
});

describe('line ends, BOM and chunks', () => {
  const text = `${HEADER}\n${ROW1}\r\n\r\n${row({ brand: '"a,b"' })}\n${ROW2}\r\n${row({ category_code: '"x\ny"' })}\r\n${ROW3}`;

  it('mixed LF and CRLF, blank lines and a missing final newline', async () => {
    const rows = await parseText(text);
    expect(rejections(rows)).toEqual([]);
    expect(rows.map(lineOf)).toEqual([2, 4, 5, 7, 8]);
    expect(events(rows).map((e) => [e.brand, e.category_code, e.user_session])).toEqual([
      ['grattol', null, '4adb70bb-edbd-4981-b60f-a05bfd32683a'],
      ['a,b', null, 's1'],
      [null, 'appliances.environment.vacuum', '09fafd6c-6c99-46b1-834f-33527f5de241'],
      ['grattol', 'x\ny', 's1'],
      [null, null, null],
    ]);
  });

  it('any chunking gives the same rows, a BOM and characters cut in two included', async () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace('grattol', 'grättol'))]);
    const whole = comparable(await parseText(input));
    expect(whole[0]!.brand).toBe('grättol');
    for (const size of [1, 2, 3, 5, 64]) expect(comparable(await parseText(chunked(input, size)))).toEqual(whole);
  });

  it('rejections come in line order with the events', async () => {
    const rows = await parseText(`${HEADER}\n${ROW1}\n${row({ brand: '"bad"x' })}\n${row({ brand: '"ok"' })}\n${row({ price: 'x' })}\n${ROW2}\n`);
    expect(rows.map((r) => [lineOf(r), r.ok])).toEqual([[2, true], [3, false], [4, true], [5, false], [6, true]]);
  });
});
