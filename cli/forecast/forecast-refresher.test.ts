import { describe, expect, it } from 'vitest';
import { replayOrigins } from './forecast-refresher.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number[]) => ms.map((m) => new Date(m).toISOString());

describe('replayOrigins', () => {
  it("is each day's midnight after the oldest event, then the hour after the newest", () => {
    expect(iso(replayOrigins(at('2019-10-01T00:00:05Z'), at('2019-10-03T17:20:00Z'), 24))).toEqual([
      '2019-10-02T00:00:00.000Z',
      '2019-10-03T00:00:00.000Z',
      '2019-10-03T18:00:00.000Z',
    ]);
  });

  it('covers every hour with a horizon under a day: origins that many hours apart within each day', () => {
    expect(iso(replayOrigins(at('2019-10-01T09:00:00Z'), at('2019-10-02T13:59:59Z'), 8))).toEqual([
      '2019-10-02T00:00:00.000Z',
      '2019-10-02T08:00:00.000Z',
      '2019-10-02T14:00:00.000Z',
    ]);
  });

  it('is the end alone for input within one day; a newest event at midnight ends the day it opens', () => {
    expect(replayOrigins(at('2019-10-01T01:00:00Z'), at('2019-10-01T05:00:00Z'), 24)).toEqual([at('2019-10-01T06:00:00Z')]);
    expect(replayOrigins(at('2019-10-01T01:00:00Z'), at('2019-10-02T00:00:00Z'), 24)).toEqual([at('2019-10-02T00:00:00Z'), at('2019-10-02T01:00:00Z')]);
    const origins = replayOrigins(at('2019-10-01T00:00:00Z'), at('2019-10-31T23:59:59Z'), 24);
    expect(origins).toHaveLength(31);
    expect(origins.every((o, i) => i === 0 || o > origins[i - 1]! + H - 1)).toBe(true);
  });
});
