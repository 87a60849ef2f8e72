import { describe, expect, it } from 'vitest';
import { hyp2f1, scaledGaussHypergeometric } from './hypergeometric.ts';

/** The defining series summed far past convergence: the reference for 1/2 < z < 1. */
function bruteSeries(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 20_000; k++) {
    term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
    sum += term;
  }
  return sum;
}

const relativeError = (actual: number, expected: number) => Math.abs(actual / expected - 1);

describe('hyp2f1', () => {
  it('is 1 at z = 0', () => {
    expect(hyp2f1(0.3, 2.1, 1.7, 0)).toBe(1);
  });

  it.each([0.1, 0.5, 0.7, 0.9, 0.99, 0.999999, -0.5, -3, -1000])('2F1(1, 1; 2; z) = −ln(1 − z)/z at z = %s (c − a − b an integer)', (z) => {
    expect(relativeError(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-9);
  });

  it.each([0.2, 0.6, 0.95, -2])('2F1(a, b; b; z) = (1 − z)^-a at z = %s', (z) => {
    expect(relativeError(hyp2f1(0.7, 2.3, 2.3, z), (1 - z) ** -0.7)).toBeLessThan(1e-12);
  });

  it.each([0.3, 0.8, 0.99])('2F1(1/2, 1/2; 3/2; s²) = arcsin(s)/s at s = %s', (s) => {
    expect(relativeError(hyp2f1(0.5, 0.5, 1.5, s * s), Math.asin(s) / s)).toBeLessThan(1e-12);
  });

  it('2F1(1, 1; 2; z) with z < 0 is ln(1 − z)·(−1/z)', () => {
    expect(relativeError(hyp2f1(1, 1, 2, -0.25), Math.log(1.25) / 0.25)).toBeLessThan(1e-14);
  });

  it.each([
    [2.2426, 4.4259, 5.2188, 0.9],
    [0.2426, 2.4259, 2.2188, 0.75],
    [10.24, 12.43, 11.22, 0.8],
    [3.5, 1.25, 2.75, 0.95],
    [1.3, 2.6, 2.9 + 3e-6, 0.85],
  ])('the 1 − z transformation agrees with the series: 2F1(%s, %s; %s; %s)', (a, b, c, z) => {
    expect(relativeError(hyp2f1(a, b, c, z), bruteSeries(a, b, c, z))).toBeLessThan(1e-8);
  });

  it('refuses z ≥ 1', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });
});

describe('scaledGaussHypergeometric', () => {
  it.each([-4, 0.3, 0.8, 0.99])('is (1 − z)^a · 2F1(a, b; c; z) at z = %s', (z) => {
    const [a, b, c] = [5.5, 8.1, 11.9];
    expect(relativeError(scaledGaussHypergeometric(a, b, c)(z), (1 - z) ** a * hyp2f1(a, b, c, z))).toBeLessThan(1e-10);
  });

  it('stays finite where 2F1 itself overflows (many repeat orders, z near 1)', () => {
    const [a, b, c] = [200.5, 203.06, 202.89];
    expect(hyp2f1(a, b, c, 0.9999)).toBe(Number.POSITIVE_INFINITY);
    const scaled = scaledGaussHypergeometric(a, b, c)(0.9999);
    expect(Number.isFinite(scaled)).toBe(true);
    expect(scaled).toBeGreaterThan(0);
  });
});

describe('2F1 where the transformation to 1 − z overflows', () => {
  it('sums the defining series instead (a BG/NBD fit with b in the tens of thousands)', () => {
    const [a, b, c, z] = [25.4, 40403.3, 40403.3 + 1e-5 - 13.4, 0.857];
    const scaled = scaledGaussHypergeometric(a, b, c)(z);
    // Against the defining series summed here term by term, in logs.
    let term = 1;
    let sum = 1;
    for (let k = 0; k < 20_000; k++) {
      term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
      sum += term;
    }
    expect(Number.isFinite(scaled)).toBe(true);
    expect(scaled).toBeCloseTo((1 - z) ** a * sum, 8);
  });
});
