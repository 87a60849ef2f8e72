import { describe, expect, it } from 'vitest';
import { CONTINUE, earlyAndOnWatermark } from './trigger.ts';

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
