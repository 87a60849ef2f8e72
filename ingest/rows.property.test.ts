// Property-based tests of parseRows and RecordReader (fast-check, fixed seed): generated files of
// known rows (valid, invalid, over-long, latin-1, UTF-16, unterminated quotes, any quoting, line
// ends and chunking) come out exactly as generated; byte soup never throws and every non-blank
// line ends as exactly one event or rejection.
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VALIDATION_DEFAULTS, type ValidationLimits } from '../core/config.ts';
import { EVENT_TYPES, type ShopEvent } from '../core/event.ts';
import { RecordReader, type Framed } from './csv-records.ts';
import { firstInvalidUtf8 } from './csv-scan.ts';
import { REQUIRED_COLUMNS, type FieldValues } from './event-fields.ts';
import { parseRows, type ParsedRow } from './rows.ts';

const SEED = 2026_01_09;
const RUNS = 300;
const LIMITS: ValidationLimits = { ...VALIDATION_DEFAULTS, maxRowBytes: 512 };
const MAX_LONG = (1n << 63n) - 1n;

type Column = (typeof REQUIRED_COLUMNS)[number];
/** An event's fields as parsed from its row (identity and ingest time aside). */
type Expected = Omit<ShopEvent, 'source_file' | 'source_file_id' | 'source_line' | 'ingested_at'>;
type Outcome = { event: Expected } | { reason: string | RegExp };
/** One generated piece of a file: its bytes (without the final line end) and what each of its records must give. */
interface Segment {
  bytes: Buffer;
  outcomes: Outcome[];
}

const chunked = (buf: Buffer, size: number) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));
const lineOf = (r: ParsedRow) => (r.ok ? r.event.source_line : r.source_line);
const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
const mustQuote = (v: string) => /[",\r\n]/.test(v);
const orNull = (v: string) => (v.trim() === '' ? null : v.trim());

async function parseAll(chunks: Buffer[], limits: ValidationLimits): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for await (const r of parseRows(Readable.from(chunks, { objectMode: false }), 'fuzz.csv', 'f0', limits)) out.push(r);
  return out;
}

// --- field values --------------------------------------------------------------------------

const pad2 = (n: number) => String(Math.abs(n)).padStart(2, '0');
const eventTime = fc
  .tuple(fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2026, 0, 1) / 1000 }), fc.constantFrom('utc', 'z', 'offset'), fc.integer({ min: -48, max: 56 }))
  .map(([seconds, form, quarters]) => {
    const ms = seconds * 1000;
    const iso = new Date(ms).toISOString().slice(0, 19);
    if (form === 'utc') return { text: `${iso.replace('T', ' ')} UTC`, ms };
    if (form === 'z') return { text: `${iso}Z`, ms };
    const offset = quarters * 15;
    const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
    return { text: `${local}${offset < 0 ? '-' : '+'}${pad2(Math.trunc(offset / 60))}:${pad2(offset % 60)}`, ms };
  });
const id = fc.bigInt({ min: 0n, max: MAX_LONG });
/** An id's text: leading zeros at any length and surrounding spaces are the same id. */
const idText = fc.tuple(id, fc.constantFrom(0, 0, 0, 1, 3, 40), fc.constantFrom('', '', ' ', '\t')).map(([n, zeros, space]) => ({ n, text: `${space}${'0'.repeat(zeros)}${n}${space}` }));
const price = fc.integer({ min: 0, max: 2_147_483_647 }).map((cents) => {
  const whole = Math.floor(cents / 100);
  const frac = String(cents % 100).padStart(2, '0');
  if (cents === 0) return { text: ['0', '-0', '-0.00', '0.0'][whole % 4]!, cents };
  if (cents % 100 === 0) return { text: String(whole), cents };
  return { text: cents % 10 === 0 ? `${whole}.${frac[0]}` : `${whole}.${frac}`, cents };
});
const TEXT_UNITS = ['a', 'Z', '7', '.', ' ', '\t', ',', '"', '\n', '\r\n', '\r', 'é', '€', '😀', '\uFFFD', '\u0000'];
const text = (lines: boolean) => fc.string({ unit: fc.constantFrom(...TEXT_UNITS.filter((u) => lines || !u.includes('\n'))), maxLength: 8 });

const validFields = (lines: boolean) =>
  fc.record({
    time: eventTime,
    event_type: fc.constantFrom(...EVENT_TYPES),
    product_id: idText,
    category_id: fc.option(idText, { nil: undefined }),
    category_code: text(lines),
    brand: text(lines),
    price,
    user_id: idText,
    user_session: text(lines),
  });
type Valid = ReturnType<typeof validFields> extends fc.Arbitrary<infer T> ? T : never;

const texts = (v: Valid): FieldValues => ({
  event_time: v.time.text,
  event_type: v.event_type,
  product_id: v.product_id.text,
  category_id: v.category_id === undefined ? '' : v.category_id.text,
  category_code: v.category_code,
  brand: v.brand,
  price: v.price.text,
  user_id: v.user_id.text,
  user_session: v.user_session,
});
const expected = (v: Valid): Expected => ({
  event_time: v.time.ms,
  event_type: v.event_type,
  product_id: v.product_id.n,
  category_id: v.category_id?.n ?? 0n,
  category_code: orNull(v.category_code),
  brand: orNull(v.brand),
  price_cents: v.price.cents,
  user_id: v.user_id.n,
  user_session: orNull(v.user_session),
});

/** Header order (a permutation, maybe with an extra column) and which cells to quote. */
interface Layout {
  columns: string[];
}
const layout = fc
  .tuple(fc.shuffledSubarray([...REQUIRED_COLUMNS], { minLength: 9, maxLength: 9 }), fc.boolean(), fc.nat())
  .map(([columns, extra, at]): Layout => {
    const all: string[] = [...columns];
    if (extra) all.splice(at % 10, 0, 'extra');
    return { columns: all };
  });

/** CSV cells from field texts in the layout's order; `quoted` picks which cells are quoted anyway. */
function cellsOf(lay: Layout, fields: Partial<Record<string, string>>, quoted: boolean[]): string[] {
  return lay.columns.map((c, i) => {
    const v = fields[c] ?? (c === 'extra' ? 'x' : '');
    return mustQuote(v) || quoted[i % quoted.length] ? quote(v) : v;
  });
}
const line = (lay: Layout, fields: Partial<Record<string, string>>, quoted: boolean[]) => cellsOf(lay, fields, quoted).join(',');
/** Field texts without quotes, commas or line ends, so that unquoted cells stay plain. */
const plain = (fields: FieldValues) => Object.fromEntries(Object.entries(fields).map(([c, t]) => [c, t.replace(/[",\r\n]/g, '')]));
const quoting = fc.array(fc.boolean(), { minLength: 1, maxLength: 10 });

// --- segments ------------------------------------------------------------------------------

const BAD_VALUES: Array<[Column, string]> = [
  ['event_time', '1969-12-31 23:59:59 UTC'],
  ['event_time', '1970-01-01 00:00:00 UTC'],
  ['event_time', '9999-12-31 23:59:59 UTC'],
  ['event_time', '2107-01-01T00:00:00Z'],
  ['event_time', new Date(Date.now() + 2 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z')],
  ['event_time', 'yesterday'],
  ['event_time', '2020-02-30 00:00:00 UTC'],
  ['event_time', '2020-01-01T24:00:00Z'],
  ['event_time', '2020-01-01 12:00:60 UTC'],
  ['event_time', '2020-01-01T00:00:00+15:00'],
  ['event_type', 'click'],
  ['event_type', ''],
  ['product_id', '-5'],
  ['product_id', '9223372036854775808'],
  ['product_id', `${'0'.repeat(40)}9223372036854775808`],
  ['user_id', '+1'],
  ['category_id', '1.6e18'],
  ['price', '-1.00'],
  ['price', '21474836.48'],
  ['price', '5.245'],
  ['price', ''],
  ['user_id', 'abc'],
];

function segments(lay: Layout): fc.Arbitrary<Segment[]> {
  const valid = fc.tuple(validFields(true), quoting).map(([v, q]): Segment[] => [
    { bytes: Buffer.from(line(lay, texts(v), q)), outcomes: [{ event: expected(v) }] },
  ]);
  const invalid = fc.tuple(validFields(true), quoting, fc.constantFrom(...BAD_VALUES)).map(([v, q, [column, bad]]): Segment[] => [
    { bytes: Buffer.from(line(lay, { ...texts(v), [column]: bad }, q)), outcomes: [{ reason: new RegExp(column) }] },
  ]);
  const wrongCount = fc.tuple(validFields(false), quoting, fc.boolean()).map(([v, q, more]): Segment[] => {
    const cells = cellsOf(lay, texts(v), q);
    const text = (more ? [...cells, 'extra'] : cells.slice(0, -1)).join(',');
    return [{ bytes: Buffer.from(text), outcomes: [{ reason: /^wrong column count: expected \d+, got \d+$/ }] }];
  });
  const overlong = fc
    .tuple(fc.string({ unit: fc.constantFrom('x', ',', '"', 'é', '😀', ' ', '\r'), minLength: LIMITS.maxRowBytes, maxLength: 800 }), validFields(false), quoting)
    .map(([filler, v, q]): Segment[] => {
      const text = `${line(lay, texts(v), q)},${filler}x`;
      const bytes = Buffer.byteLength(text);
      return [{ bytes: Buffer.from(text), outcomes: [{ reason: `row of ${bytes} bytes is longer than the limit of 512 (SALESINSIGHTS_MAX_ROW_BYTES)` }] }];
    });
  const foreign = (bytesOf: fc.Arbitrary<Buffer>) =>
    fc.tuple(validFields(false), quoting, bytesOf).map(([v, q, inserted]): Segment[] => {
      const [before, after] = line(lay, { ...texts(v), brand: 'a\u0001b' }, q).split('\u0001') as [string, string];
      const column = Buffer.byteLength(before) + 1;
      const hex = inserted[0]!.toString(16).toUpperCase().padStart(2, '0');
      return [{ bytes: Buffer.concat([Buffer.from(before), inserted, Buffer.from(after)]), outcomes: [{ reason: `not valid UTF-8 (byte 0x${hex} at column ${column}); re-encode the file as UTF-8` }] }];
    });
  const latin1 = foreign(fc.integer({ min: 0x80, max: 0xff }).map((b) => Buffer.from([b])));
  // UTF-16LE of a latin-1 letter and more: the letter's low byte is never UTF-8 before its 0x00.
  const utf16 = foreign(
    fc
      .tuple(fc.integer({ min: 0xa0, max: 0xff }), fc.array(fc.integer({ min: 0x20, max: 0xffff }), { maxLength: 6 }))
      .map(([first, rest]) => Buffer.from(String.fromCharCode(first, ...rest.filter((u) => u < 0xd800 || u > 0xdfff)), 'utf16le'))
      .filter((b) => !b.some((x) => x === 0x0a || x === 0x0d || x === 0x22)),
  );
  // The open quote spans the next line, which cannot close it: two rejections, each on its line.
  const unterminated = fc.tuple(validFields(false), fc.nat({ max: 8 }), fc.stringMatching(/^[a-z][a-z ,.]{0,10}$/)).map(([v, k, rest]): Segment[] => {
    const column = lay.columns.filter((c) => c !== 'extra')[k]!;
    const text = line(lay, { ...plain(texts(v)), [column]: '\u0001' }, [false]);
    return [
      { bytes: Buffer.from(text.replace('\u0001', `"${rest}`)), outcomes: [{ reason: /^unterminated quote: the quoted field opened at column \d+ is not closed into a row of \d+ fields/ }] },
      { bytes: Buffer.from('"bad"x'), outcomes: [{ reason: /^unparsable CSV: the closing quote at column 5 is followed by "x"/ }] },
    ];
  });
  const badQuote = fc.tuple(validFields(false), fc.constantFrom('"bad"x', 'ba"d', ' "b"')).map(([v, bad]): Segment[] => {
    return [{ bytes: Buffer.from(line(lay, { ...plain(texts(v)), brand: '\u0001' }, [false]).replace('\u0001', bad)), outcomes: [{ reason: /^unparsable CSV: / }] }];
  });
  const blank = fc.constant<Segment[]>([{ bytes: Buffer.alloc(0), outcomes: [] }]);
  return fc
    .array(
      fc.oneof(
        { arbitrary: valid, weight: 8 },
        { arbitrary: invalid, weight: 2 },
        { arbitrary: wrongCount, weight: 1 },
        { arbitrary: overlong, weight: 1 },
        { arbitrary: latin1, weight: 1 },
        { arbitrary: utf16, weight: 1 },
        { arbitrary: unterminated, weight: 1 },
        { arbitrary: badQuote, weight: 1 },
        { arbitrary: blank, weight: 1 },
      ),
      { maxLength: 24 },
    )
    .map((s) => s.flat());
}

const file = layout.chain((lay) =>
  fc.record({
    lay: fc.constant(lay),
    headerQuoting: quoting,
    segments: segments(lay),
    eols: fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 7 }),
    finalEol: fc.boolean(),
    bom: fc.boolean(),
    chunk: fc.constantFrom(1, 7, 61, 1024, 1 << 16),
  }),
);

describe('parseRows on generated files (fast-check)', () => {
  it('every generated row comes out on its line: events round-trip, rejections say why', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ lay, headerQuoting, segments, eols, finalEol, bom, chunk }) => {
        const header = lay.columns.map((c, i) => (headerQuoting[i % headerQuoting.length] ? quote(c) : c)).join(',');
        const parts: Buffer[] = [Buffer.from(bom ? `\uFEFF${header}` : header)];
        const want: Array<{ line: number; outcome: Outcome }> = [];
        let lineNo = 1;
        segments.forEach((s, i) => {
          parts.push(Buffer.from(eols[i % eols.length]!), s.bytes);
          lineNo += 1;
          const first = lineNo;
          lineNo += s.bytes.filter((b) => b === 0x0a).length;
          // Each outcome belongs to one physical line but for a record spanning lines (the last one).
          s.outcomes.forEach((outcome, k) => want.push({ line: s.outcomes.length === 1 ? lineNo : first + k, outcome }));
        });
        if (finalEol) parts.push(Buffer.from('\n'));
        const rows = await parseAll(chunked(Buffer.concat(parts), chunk), LIMITS);

        expect(rows.map(lineOf)).toEqual(want.map((w) => w.line));
        rows.forEach((r, i) => {
          const { outcome } = want[i]!;
          if ('event' in outcome) {
            expect(r.ok ? r.event : r).toEqual({ ...outcome.event, source_file: 'fuzz.csv', source_file_id: 'f0', source_line: want[i]!.line, ingested_at: expect.any(Number) });
          } else {
            expect(r.ok).toBe(false);
            if (!r.ok) expect(r.reason).toMatch(outcome.reason);
          }
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// --- byte soup -----------------------------------------------------------------------------

const HEADER = REQUIRED_COLUMNS.join(',');
const TOKENS = ['"', '""', ',', '\n', '\r\n', '\r', '"\n', ',"', '\n"', 'é', '😀'];
const soup = fc.array(
  fc.oneof(
    validFields(true).map((v) => Buffer.from(REQUIRED_COLUMNS.map((c) => (mustQuote(texts(v)[c]) ? quote(texts(v)[c]) : texts(v)[c])).join(','))),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    fc.constantFrom(...TOKENS).map((t) => Buffer.from(t)),
    fc.constantFrom([0xe9], [0xff, 0xfe], [0x00], [0xc3], [0xa9], [0xed, 0xa0, 0x80]).map((b) => Buffer.from(b)),
    fc.integer({ min: 200, max: 2000 }).map((n) => Buffer.alloc(n, 'y')),
  ),
  { maxLength: 60 },
);

/** Physical lines of a file: how many, and which are blank (nothing but a CR). */
function physicalLines(buf: Buffer): { total: number; blank: Set<number> } {
  const pieces = buf.toString('latin1').split('\n');
  if (pieces[pieces.length - 1] === '') pieces.pop();
  const blank = new Set<number>();
  pieces.forEach((p, i) => {
    if (p === '' || p === '\r') blank.add(i + 1);
  });
  return { total: pieces.length, blank };
}

describe('parseRows on byte soup (fast-check)', () => {
  it('never throws; every non-blank line ends as exactly one event or one rejection', async () => {
    await fc.assert(
      fc.asyncProperty(soup, fc.constantFrom(256, 300, 1024), fc.constantFrom(1, 13, 1024, 1 << 16), async (pieces, maxRowBytes, chunk) => {
        const limits = { ...VALIDATION_DEFAULTS, maxRowBytes };
        const input = Buffer.concat([Buffer.from(`${HEADER}\n`), ...pieces]);
        const chunks = chunked(input, chunk);
        const rows = await parseAll(chunks, limits);

        const reader = new RecordReader(maxRowBytes);
        const framed: Framed[] = chunks.flatMap((c) => reader.push(c));
        framed.push(...reader.end());
        const [header, ...items] = framed;
        expect(header).toMatchObject({ kind: 'record', first_line: 1, line: 1 });
        // One row per framed item, on the same line.
        expect(rows.map(lineOf)).toEqual(items.map((f) => (f.kind === 'record' ? f.line : f.source_line)));

        // The items tile the lines after the header; lines no item covers are blank.
        const { total, blank } = physicalLines(input);
        let covered = 1;
        for (const f of items) {
          const [first, last] = f.kind === 'record' ? [f.first_line, f.line] : [f.source_line, f.source_line];
          for (let l = covered + 1; l < first; l++) expect(blank.has(l), `line ${l} is covered by no row`).toBe(true);
          expect(first).toBeGreaterThan(covered);
          expect(last).toBeGreaterThanOrEqual(first);
          expect(last).toBeLessThanOrEqual(total);
          expect(blank.has(first) || blank.has(last)).toBe(false);
          covered = last;
        }
        for (let l = covered + 1; l <= total; l++) expect(blank.has(l), `line ${l} is covered by no row`).toBe(true);

        const now = Date.now();
        for (const r of rows) {
          if (r.ok) {
            expect(r.event.event_time).toBeGreaterThanOrEqual(limits.eventTimeMinMs);
            expect(r.event.event_time).toBeLessThanOrEqual(now + limits.eventTimeMaxAheadMs);
          } else {
            expect(r.reason.length).toBeGreaterThan(0);
            // U+FFFD takes 3 bytes where a bad byte took 1.
            expect(Buffer.byteLength(r.raw_line)).toBeLessThanOrEqual(3 * Math.max(maxRowBytes, 1024) + 40);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('firstInvalidUtf8 (fast-check)', () => {
  it('agrees with node:buffer isUtf8, and decoding always shows U+FFFD for bad bytes', () => {
    const bytes = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xc3, 0xe2, 0xf0, 0xed, 0xf4)), { maxLength: 24 });
    fc.assert(
      fc.property(bytes, (arr) => {
        const b = Buffer.from(arr);
        const at = firstInvalidUtf8(b, 0, b.length);
        expect(at === -1).toBe(isUtf8(b));
        if (at !== -1) {
          expect(isUtf8(b.subarray(0, at))).toBe(true);
          expect(b.toString('utf8').includes('\uFFFD')).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
