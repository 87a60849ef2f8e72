import { describe, expect, it } from 'vitest';
import { LatencySamples, RateMeter } from './metrics.ts';

describe('LatencySamples', () => {
  it('has no percentile without samples', () => {
    const s = new LatencySamples();
    expect(s.percentile(50)).toBeNull();
    expect(s.count).toBe(0);
  });

  it('nearest-rank percentiles', () => {
    const s = new LatencySamples();
    for (let i = 100; i >= 1; i--) s.add(i);
    expect(s.count).toBe(100);
    expect(s.percentile(50)).toBe(50);
    expect(s.percentile(99)).toBe(99);
    expect(s.percentile(100)).toBe(100);
    expect(s.percentile(1)).toBe(1);
  });

  it('keeps only the last `capacity` samples', () => {
    const s = new LatencySamples(3);
    for (const v of [1000, 1, 2, 3]) s.add(v);
    expect(s.count).toBe(3);
    expect(s.percentile(100)).toBe(3);
  });
});

describe('RateMeter', () => {
  it('reports events per second over each elapsed interval of at least a second', () => {
    let now = 10_000;
    const m = new RateMeter(() => now);
    m.mark(300);
    now += 500;
    expect(m.perSecond()).toBe(0); // less than a second: the previous rate
    m.mark(200);
    now += 500;
    expect(m.perSecond()).toBe(500);
    now += 2_000;
    m.mark(100);
    expect(m.perSecond()).toBe(50);
    now += 1_000;
    expect(m.perSecond()).toBe(0);
  });
});
