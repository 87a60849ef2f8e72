import { describe, expect, it } from 'vitest';
import { RECOVERY_BACKOFF, backoffMs, sleep } from './backoff.ts';

describe('backoffMs', () => {
  it('starts at 0.5 s and doubles', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a))).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('stops at 30 s, however long the outage', () => {
    expect(backoffMs(7)).toBe(30_000);
    expect(backoffMs(10_000)).toBe(RECOVERY_BACKOFF.maxMs);
  });

  it('follows a given policy', () => {
    expect(backoffMs(3, { initialMs: 10, maxMs: 25 })).toBe(25);
    expect(backoffMs(2, { initialMs: 10, maxMs: 25 })).toBe(20);
  });

  it('refuses an attempt number below 1', () => {
    expect(() => backoffMs(0)).toThrow(RangeError);
  });
});

describe('sleep', () => {
  it('ends early when its signal aborts', async () => {
    const closing = new AbortController();
    const slept = sleep(3_600_000, closing.signal);
    closing.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});
