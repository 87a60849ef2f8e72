// Percentiles of a benchmark's samples (latencies, checkpoint write times): the nearest-rank value,
// one that was measured, never an interpolation between two.

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  samples: number;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), samples: sorted.length };
}
