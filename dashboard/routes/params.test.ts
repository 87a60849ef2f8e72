import { describe, expect, it } from 'vitest';
import { previousSpan, relativeSpan, resolveSpan, windowRange } from './params.ts';

const END = Date.parse('2019-10-03T14:37:00Z');
const H = 3_600_000;

describe('ranges of event time', () => {
  it('span: a length ending at the newest window end, or today from its midnight', () => {
    expect(relativeSpan('1h', END)).toEqual({ from: END - H, to: END });
    expect(relativeSpan('15m', END)).toEqual({ from: END - 15 * 60_000, to: END });
    expect(relativeSpan('7d', END)).toEqual({ from: END - 7 * 24 * H, to: END });
    expect(relativeSpan('today', END)).toEqual({ from: Date.parse('2019-10-03T00:00:00Z'), to: END });
    // A day that just ended is still "today" (the newest window ends at midnight).
    const midnight = Date.parse('2019-10-04T00:00:00Z');
    expect(relativeSpan('today', midnight)).toEqual({ from: midnight - 24 * H, to: midnight });
    expect(() => relativeSpan('1y', END)).toThrow(/span/);
  });

  it('the range before: the same hours of the day before for today, else the equal range just before', () => {
    const today = relativeSpan('today', END);
    expect(previousSpan(today, 'today')).toEqual({ from: today.from - 24 * H, to: END - 24 * H });
    expect(previousSpan({ from: END - H, to: END })).toEqual({ from: END - 2 * H, to: END - H });
  });

  it('resolves from/to, span or the fallback; the store is read only when needed; one way at a time', async () => {
    let reads = 0;
    const latest = async () => (reads++, END);
    expect(await resolveSpan({ from: '2019-10-01T00:00:00Z', to: '2019-10-01T01:00:00Z' }, latest, '1h')).toEqual({ from: Date.parse('2019-10-01T00:00:00Z'), to: Date.parse('2019-10-01T01:00:00Z') });
    expect(reads).toBe(0);
    expect(await resolveSpan({}, latest, '1h')).toEqual({ from: END - H, to: END });
    expect(await resolveSpan({ span: '6h' }, latest, '1h')).toEqual({ from: END - 6 * H, to: END });
    expect(await resolveSpan({}, async () => null, '1h')).toBeNull();
    await expect(resolveSpan({ span: '8d' }, latest, '1h')).rejects.toThrow(/covers more than/);
    await expect(resolveSpan({ span: '1h', from: 'x', to: 'y' }, latest, '1h')).rejects.toThrow(/only one of/);
    expect(await windowRange({}, latest, { kind: 'span', span: '1h' })).toEqual({ kind: 'time', from: END - H, to: END });
    expect(await windowRange({}, latest, { kind: 'all' })).toEqual({ kind: 'all' });
    expect(await windowRange({ windows: 5 }, latest, { kind: 'all' })).toEqual({ kind: 'latest', windows: 5 });
    await expect(windowRange({ windows: 5, span: '1h' }, latest, { kind: 'all' })).rejects.toThrow(/only one of/);
  });
});
