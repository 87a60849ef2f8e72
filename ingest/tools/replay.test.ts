import { describe, expect, it } from 'vitest';
import { parseDuration } from './replay.ts';

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1500', 1_500],
    ['1.5s', 1_500],
    ['0.5m', 30_000],
    [' 60s ', 60_000],
    ['0', 0],
  ])('%j -> %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '-1s', '10h', '1 s', 's', '1.s', '60S'])('rejects %j with a helpful message', (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });
});
