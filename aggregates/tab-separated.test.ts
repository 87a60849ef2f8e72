import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TabSeparatedWriter } from './tab-separated.ts';

/** The text each method must write, from the language's own conversions. */
const escaped = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
const fixed = (n: number, scale: number, decimals: number) => (n / scale).toFixed(decimals);

describe('TabSeparatedWriter', () => {
  it('writes integers, ids, fixed-point values and text as ClickHouse reads them', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: -4e12, max: 4e12 }),
        fc.string({ unit: 'binary' }),
        (n, id, cents, ms, text) => {
          const out = new TabSeparatedWriter(8);
          out.int(n).id(id).cents(cents).secondsWithMillis(ms).seconds(ms).text(text).text(null);
          out.endRow();
          const expected = [String(n), id.toString(), fixed(cents, 100, 2), fixed(ms, 1000, 3), String(Math.floor(ms / 1000)), escaped(text), ''];
          expect(out.toBuffer()).toEqual(Buffer.from(`${expected.join('\t')}\n`));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('keeps whole rows in order as it grows, and reads them back as lines', () => {
    const out = new TabSeparatedWriter(4);
    for (let i = 0; i < 1_000; i++) {
      out.int(i).text(`line\t${i}`);
      out.endRow();
    }
    expect(out.rows).toBe(1_000);
    expect(out.lines()).toEqual(Array.from({ length: 1_000 }, (_, i) => `${i}\tline\\t${i}`));
    expect(new TabSeparatedWriter().lines()).toEqual([]);
  });

  it('writes UTF-8 as Buffer.from does: two-, three- and four-byte characters, lone surrogates', () => {
    const text = 'é\tß€\n😀\ud800x\udc00\\';
    const out = new TabSeparatedWriter(1);
    out.text(text);
    out.endRow();
    expect(out.toBuffer()).toEqual(Buffer.from(`${escaped(text)}\n`));
  });

  it('writes a value that is not a safe integer as JavaScript prints it', () => {
    const out = new TabSeparatedWriter(4);
    out.int(2 ** 60).int(1.5).cents(0.5);
    out.endRow();
    expect(out.toBuffer().toString()).toBe(`${String(2 ** 60)}\t1.5\t0.01\n`);
  });
});
