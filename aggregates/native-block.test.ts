import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readNativeBlock } from '../test/native-block-reader.ts';
import { NativeBlockWriter, NativeValueError, type NativeColumn } from './native-block.ts';

const COLUMNS: NativeColumn[] = [
  { name: 'flag', type: 'UInt8' },
  { name: 'partition', type: 'UInt32' },
  { name: 'count', type: 'UInt64' },
  { name: 'id', type: 'UInt64' },
  { name: 'at', type: "DateTime('UTC')" },
  { name: 'ingested', type: "DateTime64(3, 'UTC')" },
  { name: 'price', type: 'Decimal(12, 2)' },
  { name: 'revenue', type: 'Decimal(18, 2)' },
  { name: 'text', type: 'String' },
  { name: 'ratio', type: 'Float64' },
];

const row = fc.record({
  flag: fc.integer({ min: 0, max: 255 }),
  partition: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  count: fc.maxSafeNat(),
  id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  atMs: fc.integer({ min: 0, max: (2 ** 32 - 1) * 1000 + 999 }),
  ingestedMs: fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 11, 31, 23, 59, 59, 999) }),
  price: fc.integer({ min: -999_999_999_999, max: 999_999_999_999 }),
  revenue: fc.maxSafeInteger(),
  text: fc.option(fc.string({ unit: 'binary', maxLength: 300 })),
  ratio: fc.double({ noNaN: true, noDefaultInfinity: true }),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

const write = (out: NativeBlockWriter, r: Row) =>
  out.uint(r.flag).uint(r.partition).uint(r.count).id(r.id).seconds(r.atMs).millis(r.ingestedMs).cents(r.price).cents(r.revenue).text(r.text).float(r.ratio).endRow();

describe('NativeBlockWriter', () => {
  it('writes every value so that it reads back as it was, column by column', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        const out = new NativeBlockWriter(COLUMNS, 8);
        for (const r of rows) write(out, r);
        expect(out.rows).toBe(rows.length);
        const block = readNativeBlock(out.block());
        expect(Object.keys(block)).toEqual(COLUMNS.map((c) => c.name));
        expect(block.flag).toEqual(rows.map((r) => r.flag));
        expect(block.partition).toEqual(rows.map((r) => r.partition));
        expect(block.count).toEqual(rows.map((r) => BigInt(r.count)));
        expect(block.id).toEqual(rows.map((r) => r.id));
        expect(block.at).toEqual(rows.map((r) => Math.floor(r.atMs / 1000) * 1000));
        expect(block.ingested).toEqual(rows.map((r) => r.ingestedMs));
        expect(block.price).toEqual(rows.map((r) => r.price));
        expect(block.revenue).toEqual(rows.map((r) => r.revenue));
        expect(block.text).toEqual(rows.map((r) => Buffer.from(r.text ?? '').toString()));
        expect(block.ratio).toEqual(rows.map((r) => r.ratio));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a value its column cannot hold, naming the column, and forgets the row begun', () => {
    const ok: Row = { flag: 1, partition: 2, count: 3, id: 4n, atMs: 5_000, ingestedMs: 6, price: 7, revenue: 8, text: 'x', ratio: 0.5 };
    const bad: [Partial<Row>, RegExp][] = [
      [{ flag: 256 }, /^flag: 256 is outside what UInt8 holds/],
      [{ partition: -1 }, /^partition: -1 is outside what UInt32 holds/],
      [{ count: 1.5 }, /^count: 1.5 is outside/],
      [{ id: -1n }, /^id: -1 is outside what UInt64 holds/],
      [{ id: 2n ** 64n }, /^id: 18446744073709551616 is outside/],
      [{ atMs: 2 ** 32 * 1000 }, /^at: 4294967296000 ms is outside what DateTime\('UTC'\) holds/],
      [{ atMs: -1 }, /^at: -1 ms is outside/],
      [{ atMs: Number.NaN }, /^at: NaN ms is outside/],
      [{ ingestedMs: Date.UTC(2300, 0, 1) }, /^ingested: .* is outside what DateTime64/],
      [{ price: 1e12 }, /^price: 1000000000000 cents is outside what Decimal\(12, 2\) holds/],
      [{ revenue: 2 ** 53 }, /^revenue: .* cents is outside what Decimal\(18, 2\) holds/],
      [{ ratio: Number.NaN }, /^ratio: NaN is outside what Float64 holds/],
      [{ ratio: Number.POSITIVE_INFINITY }, /^ratio: Infinity is outside/],
    ];
    const out = new NativeBlockWriter(COLUMNS);
    write(out, ok);
    for (const [change, message] of bad) {
      let error: unknown;
      try {
        write(out, { ...ok, ...change });
      } catch (err) {
        error = err;
        out.abortRow();
      }
      expect(error).toBeInstanceOf(NativeValueError);
      expect((error as NativeValueError).message).toMatch(message);
      expect((error as NativeValueError).type).toBe('VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE');
    }
    write(out, { ...ok, text: 'last' });
    const block = readNativeBlock(out.block());
    expect(block.text).toEqual(['x', 'last']);
    expect(block.flag).toEqual([1, 1]);
  });

  it('refuses a row with too few values, and starts empty again after clear()', () => {
    const out = new NativeBlockWriter(COLUMNS);
    out.uint(1);
    expect(() => out.endRow()).toThrow(/a row of 1 values for 10 columns/);
    out.abortRow();
    write(out, { flag: 1, partition: 2, count: 3, id: 4n, atMs: 5_000, ingestedMs: 6, price: 7, revenue: 8, text: null, ratio: 1 });
    expect(out.byteLength).toBeGreaterThan(0);
    out.clear();
    expect([out.rows, out.byteLength]).toEqual([0, 0]);
    expect(readNativeBlock(out.block()).text).toEqual([]);
  });
});
