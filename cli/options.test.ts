import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/settings.ts';
import { instant } from './options.ts';

describe('instant', () => {
  const asOf = instant('--as-of');

  it('reads ISO 8601 in UTC, with an offset or milliseconds, a store-style time and a day', () => {
    expect(asOf('2019-10-05T12:30:00Z')).toBe(Date.UTC(2019, 9, 5, 12, 30));
    expect(asOf('2019-10-05T14:30:00+02:00')).toBe(Date.UTC(2019, 9, 5, 12, 30));
    expect(asOf('2019-10-05T12:30:00.250Z')).toBe(Date.UTC(2019, 9, 5, 12, 30, 0, 250));
    expect(asOf('2019-10-05 12:30:00')).toBe(Date.UTC(2019, 9, 5, 12, 30));
    expect(asOf('2019-10-05')).toBe(Date.UTC(2019, 9, 5));
  });

  it.each(['', 'yesterday', '2019-13-01', '2019-02-30', '2019-10-05T25:00:00Z', '1969-12-31T23:59:59Z', '2200-01-01', '1570000000'])('refuses %j with a line naming the flag', (text) => {
    expect(() => asOf(text)).toThrow(ConfigError);
    expect(() => asOf(text)).toThrow(/--as-of/);
  });
});
