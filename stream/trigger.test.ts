import { describe, expect, it } from 'vitest';
import { CONTINUE, earlyAndOnWatermark, tickDue } from './trigger.ts';

const w = { start: 0, end: 60_000 };

describe('earlyAndOnWatermark', () => {
  it('early firing: fires (without purging) only when the window is dirty', () => {
    const t = earlyAndOnWatermark(0);
    expect(t.onProcessingTime(w, true)).toEqual({ fire: true, purge: false });
    expect(t.onProcessingTime(w, false)).toEqual(CONTINUE);
  });

  it('final firing: fires and purges once the watermark reaches the window end', () => {
    const t = earlyAndOnWatermark(0);
    expect(t.onWatermark(w, 59_999)).toEqual({ fire: false, purge: false });
    expect(t.onWatermark(w, 60_000)).toEqual({ fire: true, purge: true });
    expect(t.onWatermark(w, 1e12)).toEqual({ fire: true, purge: true });
  });

  it('final firing waits for the allowed lateness', () => {
    const t = earlyAndOnWatermark(10_000);
    expect(t.onWatermark(w, 60_000)).toEqual(CONTINUE);
    expect(t.onWatermark(w, 69_999)).toEqual(CONTINUE);
    expect(t.onWatermark(w, 70_000)).toEqual({ fire: true, purge: true });
  });

  it('CONTINUE neither fires nor purges', () => {
    expect(CONTINUE).toEqual({ fire: false, purge: false });
  });
});

describe('tickDue', () => {
  const base = { lastTickAt: 10_000, lastInputAt: 10_300, inputSinceTick: true, earlyFiringIntervalMs: 1_000, pollMs: 100 };

  it('is due once per early-firing interval, input or not', () => {
    expect(tickDue({ ...base, now: 10_999, inputSinceTick: false })).toBe(false);
    expect(tickDue({ ...base, now: 11_000, inputSinceTick: false })).toBe(true);
  });

  it('is due early once the input has paused for a poll, a quarter interval after the last tick', () => {
    expect(tickDue({ ...base, now: 10_350 })).toBe(false); // input still arriving
    expect(tickDue({ ...base, now: 10_400 })).toBe(true);
    expect(tickDue({ ...base, lastInputAt: 10_050, now: 10_200 })).toBe(false); // less than a quarter interval since the tick
    expect(tickDue({ ...base, lastInputAt: 10_050, now: 10_250 })).toBe(true);
    expect(tickDue({ ...base, inputSinceTick: false, now: 10_400 })).toBe(false); // nothing new to emit
  });
});
