import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random.ts';

const draw = (seed: number, n = 20) => {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => r.next());
};

describe('SeededRandom', () => {
  it('the same seed gives the same sequence; another seed another', () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('next() is in [0, 1) and roughly uniform', () => {
    const xs = draw(7, 10_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('int(min, max) stays in [min, max) and reaches both ends', () => {
    const r = new SeededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const v = r.int(3, 8);
      expect(Number.isInteger(v)).toBe(true);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('weighted() follows the weights', () => {
    const r = new SeededRandom(2);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[r.weighted([1, 0, 3])]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / 20_000).toBeGreaterThan(0.72);
    expect(counts[2]! / 20_000).toBeLessThan(0.78);
  });

  it('skewed() stays in range and favours small indexes', () => {
    const r = new SeededRandom(3);
    let small = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = r.skewed(100);
      expect(v >= 0 && v < 100).toBe(true);
      if (v < 10) small++;
    }
    expect(small / 10_000).toBeGreaterThan(0.3); // uniform would give 0.1
  });

  it('uuid() looks like a version-4 UUID', () => {
    const r = new SeededRandom(4);
    for (let i = 0; i < 50; i++) expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
