import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TextBytes } from './text-bytes.ts';

const written = (write: (out: TextBytes) => void) => {
  const out = new TextBytes(1);
  write(out);
  return out.view().toString('latin1');
};

describe('TextBytes', () => {
  it('writes integers as String does, at every digit count and around 2^31 and 2^53', () => {
    const edges = [0, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 1e15 + 99, 9007199254740899, Number.MAX_SAFE_INTEGER];
    for (const n of [...edges, ...edges.map((e) => -e)]) expect(written((out) => out.int(n))).toBe(String(n));
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(written((out) => out.int(n))).toBe(String(n));
      }),
    );
  });

  it('writes 64-bit ids as their decimal text, above 2^53 included', () => {
    for (const n of [0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, -1n]) expect(written((out) => out.id(n))).toBe(n.toString());
  });

  it('writes any text as the JSON string JSON.stringify makes of it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (text) => {
        const out = new TextBytes(4);
        out.ascii('[').jsonString(text).ascii(']');
        expect(out.view().toString('utf8')).toBe(`[${JSON.stringify(text)}]`);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes plain text and refuses text that JSON would escape', () => {
    const out = new TextBytes(1);
    expect(out.plain('a b~')).toBe(true);
    expect(out.latin1()).toBe('a b~');
    for (const text of ['"', '\\', '\n', 'é', '\u007f']) expect(new TextBytes().plain(text)).toBe(false);
  });
});
