import { describe, expect, it } from 'vitest';
import { BoundedMemo } from './bounded-memo.ts';

describe('BoundedMemo', () => {
  it('answers what was remembered and never holds more than its capacity', () => {
    const memo = new BoundedMemo<string, number>(3);
    for (let i = 0; i < 10; i++) {
      expect(memo.set(`k${i}`, i)).toBe(i);
      expect(memo.get(`k${i}`)).toBe(i);
      expect(memo.size).toBeLessThanOrEqual(3);
    }
    expect(memo.get('k0')).toBeUndefined();
  });
});
