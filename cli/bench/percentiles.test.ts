import { describe, expect, it } from 'vitest';
import { percentiles } from './percentiles.ts';

describe('percentiles', () => {
  it('are null without samples', () => {
    expect(percentiles([])).toEqual({ p50: null, p95: null, p99: null, samples: 0 });
  });

  it('are the nearest-rank samples, whatever the order they came in', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(samples)).toEqual({ p50: 50, p95: 95, p99: 99, samples: 100 });
  });

  it('are a measured value, never one between two', () => {
    expect(percentiles([10, 1000])).toEqual({ p50: 10, p95: 1000, p99: 1000, samples: 2 });
    expect(percentiles([7])).toEqual({ p50: 7, p95: 7, p99: 7, samples: 1 });
  });
});
