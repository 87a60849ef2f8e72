/**
 * The Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1, which the BG/NBD conditional
 * expectation needs (Fader, Hardie & Lee 2005, eq. 10). No maintained npm package has it.
 *
 * - 0 ≤ z ≤ 1/2: the defining series (Abramowitz & Stegun 15.1.1), terms shrinking at least as 2^-n.
 * - 1/2 < z < 1: the series converges slowly there, so the linear transformation to 1 − z
 *   (A&S 15.3.6) turns it into two series in 1 − z < 1/2. When c − a − b is (nearly) an integer
 *   the two terms have poles that cancel; the value is then interpolated between c − a − b = n ± ε
 *   (error O(ε²), against a cancellation error of about 1e-16/ε; ε = 1e-6 keeps both near 1e-10).
 *   Where the transformed terms overflow and cancel (large b with c − a − b far below 0, as a
 *   BG/NBD fit with b in the thousands gives), the defining series, slower but convergent for
 *   every z < 1, is summed instead.
 * - z < 0: Pfaff's transformation (A&S 15.3.4), 2F1(a, b; c; z) = (1 − z)^-a 2F1(a, c − b; c; z/(z − 1)),
 *   whose argument lies in [0, 1).
 */
import gammaln from '@stdlib/math-base-special-gammaln';

const SERIES_TOLERANCE = 1e-16;
const MAX_SERIES_TERMS = 100_000;
/** How near an integer c − a − b is treated as that integer (see the module comment). */
const INTEGER_GAP = 1e-6;

/**
 * 2F1(a, b; c; ·) for fixed a, b, c: the gamma-function coefficients of the transformations are
 * computed once, at the first z that needs them, for all the z it is then called with.
 */
export function gaussHypergeometric(a: number, b: number, c: number): (z: number) => number {
  return hypergeometric(a, b, c, false);
}

/**
 * z ↦ (1 − z)^a · 2F1(a, b; c; z), the product eq. 10 of the BG/NBD paper needs: for large a, b
 * and z near 1 each factor overflows or underflows while the product does not, so the power is
 * folded into the transformed terms.
 */
export function scaledGaussHypergeometric(a: number, b: number, c: number): (z: number) => number {
  return hypergeometric(a, b, c, true);
}

export function hyp2f1(a: number, b: number, c: number, z: number): number {
  return gaussHypergeometric(a, b, c)(z);
}

function hypergeometric(a: number, b: number, c: number, scaled: boolean): (z: number) => number {
  let pfaff: ((z: number) => number) | undefined;
  let nearOne: ((z: number) => number) | undefined;
  return (z) => {
    if (!(z < 1)) throw new RangeError(`2F1 is implemented for z < 1, not ${z}`);
    if (z < 0) {
      pfaff ??= gaussHypergeometric(a, c - b, c);
      return (scaled ? 1 : (1 - z) ** -a) * pfaff(z / (z - 1));
    }
    if (z <= 0.5) return (scaled ? (1 - z) ** a : 1) * series(a, b, c, z);
    nearOne ??= aroundOne(a, b, c, scaled);
    const transformed = nearOne(z);
    return Number.isFinite(transformed) ? transformed : (scaled ? (1 - z) ** a : 1) * series(a, b, c, z);
  };
}

/** The defining series Σ (a)_k (b)_k / ((c)_k k!) z^k, summed until a term no longer counts. */
function series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < MAX_SERIES_TERMS; k++) {
    term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
    sum += term;
    if (Math.abs(term) <= SERIES_TOLERANCE * Math.abs(sum)) return sum;
  }
  return sum;
}

/** For 1/2 < z < 1: A&S 15.3.6, interpolated in c where c − a − b is (nearly) an integer. */
function aroundOne(a: number, b: number, c: number, scaled: boolean): (z: number) => number {
  const m = c - a - b;
  const n = Math.round(m);
  if (Math.abs(m - n) >= INTEGER_GAP) return linearTransformation(a, b, c, scaled);
  const above = linearTransformation(a, b, c + (n + INTEGER_GAP - m), scaled);
  const below = linearTransformation(a, b, c + (n - INTEGER_GAP - m), scaled);
  const weight = (m - n + INTEGER_GAP) / (2 * INTEGER_GAP);
  return (z) => weight * above(z) + (1 - weight) * below(z);
}

/** A&S 15.3.6, for c − a − b not an integer: two series in 1 − z (times (1 − z)^a when scaled). */
function linearTransformation(a: number, b: number, c: number, scaled: boolean): (z: number) => number {
  const m = c - a - b;
  const first = gammaRatio([c, m], [c - a, c - b]);
  const second = gammaRatio([c, -m], [a, b]);
  const power = scaled ? a : 0;
  return (z) => {
    const w = 1 - z;
    return first * w ** power * series(a, b, 1 - m, w) + second * w ** (m + power) * series(c - a, c - b, 1 + m, w);
  };
}

/** Π Γ(numerator) / Π Γ(denominator), signs included; 0 when a denominator argument is a pole. */
function gammaRatio(numerator: readonly number[], denominator: readonly number[]): number {
  let logMagnitude = 0;
  let sign = 1;
  for (const x of numerator) {
    logMagnitude += gammaln(x);
    sign *= gammaSign(x);
  }
  for (const x of denominator) {
    if (x <= 0 && Number.isInteger(x)) return 0;
    logMagnitude -= gammaln(x);
    sign *= gammaSign(x);
  }
  return sign * Math.exp(logMagnitude);
}

/** The sign of Γ(x): negative on (−1, 0), (−3, −2), …, positive elsewhere. */
function gammaSign(x: number): number {
  return x > 0 || Math.floor(x) % 2 === 0 ? 1 : -1;
}
