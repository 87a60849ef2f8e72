// A seeded hourly series with daily and weekly seasonality plus Gaussian noise, for the
// forecast's tests: the same seed gives the same series on every machine.
import fc from 'fast-check';
import type { HourlyPoint } from '../stream/forecast/hourly-series.ts';

export const HOUR_MS = 3_600_000;
/** A Monday, 00:00 UTC. */
export const SYNTHETIC_START_MS = Date.UTC(2024, 0, 1);

export interface SyntheticShape {
  level: number;
  dailyAmplitude: number;
  weeklyAmplitude: number;
  noiseSd: number;
}

export const SHOP_SHAPE: SyntheticShape = { level: 100, dailyAmplitude: 40, weeklyAmplitude: 20, noiseSd: 8 };

/** The noise-free value of hour `t`. */
export function seasonalValue(t: number, shape: SyntheticShape): number {
  return shape.level + shape.dailyAmplitude * Math.sin((2 * Math.PI * t) / 24) + shape.weeklyAmplitude * Math.sin((2 * Math.PI * t) / 168);
}

/** `hours` hourly points from SYNTHETIC_START_MS: the seasonal value plus N(0, noiseSd) noise (Box–Muller transform). */
export function syntheticHourly(hours: number, seed: number, shape: SyntheticShape = SHOP_SHAPE): HourlyPoint[] {
  const uniforms = fc.sample(fc.noBias(fc.integer({ min: 1, max: 2 ** 31 - 1 })), { seed, numRuns: 2 * hours }).map((i) => i / 2 ** 31);
  return Array.from({ length: hours }, (_, t) => {
    const gaussian = Math.sqrt(-2 * Math.log(uniforms[2 * t]!)) * Math.cos(2 * Math.PI * uniforms[2 * t + 1]!);
    return { hourStartMs: SYNTHETIC_START_MS + t * HOUR_MS, value: seasonalValue(t, shape) + shape.noiseSd * gaussian };
  });
}
