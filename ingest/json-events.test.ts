import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, itemFields, parseJsonKeepingBigIntegers } from './json-events.ts';

describe('parseJsonKeepingBigIntegers', () => {
  it('keeps integers beyond 2^53 exact, inside arrays and objects, and leaves strings alone', () => {
    expect(parseJsonKeepingBigIntegers('[{"category_id":1602943681873052386,"price":12.5,"s":"[{1602943681873052386"}]')).toEqual([
      { category_id: '1602943681873052386', price: 12.5, s: '[{1602943681873052386' },
    ]);
  });

  it('refuses a body nested deeper than the limit before parsing it (no stack overflow)', () => {
    const deep = (n: number, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;
    for (const text of [deep(100_000), deep(MAX_JSON_DEPTH + 1), `[${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}]`]) {
      let caught: unknown;
      try {
        parseJsonKeepingBigIntegers(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'ING_ERR_BODY', statusCode: 400 });
      expect((caught as Error).message).toContain(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    expect(parseJsonKeepingBigIntegers(deep(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    // brackets inside strings do not count
    expect(parseJsonKeepingBigIntegers(`["${'['.repeat(1000)}"]`)).toEqual(['['.repeat(1000)]);
  });
});

describe('itemFields', () => {
  const item = { event_time: '2020-01-01 00:00:00 UTC', event_type: 'view', product_id: 1, category_id: null, category_code: '', brand: '', price: 1.5, user_id: 2, user_session: '' };

  it('reads numbers and strings as the CSV cells they stand for, without surrounding whitespace', () => {
    expect(itemFields({ ...item, product_id: ' 0123 ', user_id: 9007199254740991 })).toMatchObject({ product_id: '0123', category_id: '', price: '1.5', user_id: '9007199254740991' });
  });

  it('refuses an integer number beyond 2^53, which JSON.parse has rounded, rather than store another id', () => {
    // 19 digits with a fraction: not kept as a string, so JSON.parse rounds it.
    const [parsed] = parseJsonKeepingBigIntegers(`[${JSON.stringify(item).replace('"product_id":1', '"product_id":1602943681873052386.0')}]`) as unknown[];
    expect(itemFields(parsed)).toBe('field product_id: the number 1602943681873052400 is not exact beyond 2^53; send it as a string');
    expect(itemFields({ ...item, price: 1e21 })).toBe('field price: the number 1e+21 is not exact beyond 2^53; send it as a string');
  });
});
