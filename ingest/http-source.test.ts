import { describe, expect, it } from 'vitest';
import { HTTP_SOURCE_DEFAULTS, parseJsonKeepingBigIntegers } from './http-source.ts';

describe('parseJsonKeepingBigIntegers', () => {
  it('keeps integers beyond 2^53 exact, inside arrays and objects, and leaves strings alone', () => {
    expect(parseJsonKeepingBigIntegers('[{"category_id":1602943681873052386,"price":12.5,"s":"[{1602943681873052386"}]')).toEqual([
      { category_id: '1602943681873052386', price: 12.5, s: '[{1602943681873052386' },
    ]);
  });

  it('refuses a body nested deeper than the limit before parsing it (no stack overflow)', () => {
    const deep = (n: number, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;
    for (const text of [deep(100_000), deep(HTTP_SOURCE_DEFAULTS.maxJsonDepth + 1), `[${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}]`]) {
      let caught: unknown;
      try {
        parseJsonKeepingBigIntegers(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'ING_ERR_BODY', statusCode: 400 });
      expect((caught as Error).message).toContain(`JSON nested deeper than ${HTTP_SOURCE_DEFAULTS.maxJsonDepth} levels`);
    }
    expect(parseJsonKeepingBigIntegers(deep(HTTP_SOURCE_DEFAULTS.maxJsonDepth))).toBeInstanceOf(Array);
    // brackets inside strings do not count
    expect(parseJsonKeepingBigIntegers(`["${'['.repeat(1000)}"]`)).toEqual(['['.repeat(1000)]);
  });
});
