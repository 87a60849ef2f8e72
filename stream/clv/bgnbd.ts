/**
 * The BG/NBD model of repeat orders (Fader, Hardie & Lee 2005, "Counting your customers the easy
 * way"): log-likelihood (eq. 6), maximum-likelihood fit, P(alive) (eq. 13) and the conditional
 * expectation of orders in the next t (eq. 10). Time unit: whatever the summaries use.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import type { CustomerSummary } from './customer-summary.ts';
import { scaledGaussHypergeometric } from './hypergeometric.ts';
import { minimise, type MinimiseOptions } from './nelder-mead.ts';

export interface BgNbdParameters {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export interface BgNbdFit {
  readonly parameters: BgNbdParameters;
  /** Total log-likelihood of the summaries at the parameters. */
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * The summaries in columns, with times divided by `scale` (as `lifetimes` does, so that alpha is
 * of order 1 while fitting). Customers without repeat orders contribute only −r·ln(α+T) beyond a
 * constant, so they are kept apart; the gamma-function terms of eq. 6 are computed once per
 * distinct frequency rather than once per customer.
 */
interface FitData {
  readonly scale: number;
  /** −Σx·ln(scale): the log-likelihood in the summaries' own unit is the scaled one plus this. */
  readonly unscale: number;
  readonly onceAge: Float64Array;
  readonly frequencies: Float64Array;
  readonly repeatFrequencyIndex: Uint32Array;
  readonly repeatRecency: Float64Array;
  readonly repeatAge: Float64Array;
  /** How many customers have each of `frequencies`. */
  readonly frequencyCounts: Float64Array;
}

function prepare(summaries: readonly CustomerSummary[]): FitData {
  const maxAge = summaries.reduce((max, s) => Math.max(max, s.ageDays), 0);
  const scale = maxAge > 0 ? maxAge / 10 : 1;
  const distinct = [...new Set(summaries.map((s) => s.frequency))].sort((p, q) => p - q);
  const slot = new Map(distinct.map((x, i) => [x, i]));
  const frequencyCounts = new Float64Array(distinct.length);
  for (const s of summaries) {
    const i = slot.get(s.frequency) as number;
    frequencyCounts[i] = (frequencyCounts[i] as number) + 1;
  }
  const once = summaries.filter((s) => s.frequency === 0);
  const repeat = summaries.filter((s) => s.frequency > 0);
  return {
    scale,
    unscale: -summaries.reduce((sum, s) => sum + s.frequency, 0) * Math.log(scale),
    onceAge: Float64Array.from(once, (s) => s.ageDays / scale),
    frequencies: Float64Array.from(distinct),
    frequencyCounts,
    repeatFrequencyIndex: Uint32Array.from(repeat, (s) => slot.get(s.frequency) as number),
    repeatRecency: Float64Array.from(repeat, (s) => s.recencyDays / scale),
    repeatAge: Float64Array.from(repeat, (s) => s.ageDays / scale),
  };
}

/** Eq. 6, summed over the prepared customers (alpha in the scaled unit; the result in the summaries' unit). */
function preparedLogLikelihood(data: FitData, { r, alpha, a, b }: BgNbdParameters): number {
  const { frequencies, frequencyCounts, onceAge, repeatFrequencyIndex, repeatRecency, repeatAge } = data;
  // Per frequency x: ln[Γ(r+x) α^r / Γ(r)] + ln B(a, b+x) − ln B(a, b), and ln[a / (b+x−1)].
  let total = data.unscale;
  const dropout = new Float64Array(frequencies.length);
  const lnBetaAB = gammaln(a + b) - gammaln(b);
  for (let i = 0; i < frequencies.length; i++) {
    const x = frequencies[i] as number;
    const constant = gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + lnBetaAB + gammaln(b + x) - gammaln(a + b + x);
    total += (frequencyCounts[i] as number) * constant;
    dropout[i] = Math.log(a / (b + x - 1));
  }
  let onceSum = 0;
  for (let j = 0; j < onceAge.length; j++) onceSum += Math.log(alpha + (onceAge[j] as number));
  total -= r * onceSum;
  for (let j = 0; j < repeatFrequencyIndex.length; j++) {
    const i = repeatFrequencyIndex[j] as number;
    const rx = r + (frequencies[i] as number);
    const alive = -rx * Math.log(alpha + (repeatAge[j] as number));
    const died = (dropout[i] as number) - rx * Math.log(alpha + (repeatRecency[j] as number));
    const high = Math.max(alive, died);
    total += high + Math.log1p(Math.exp(Math.min(alive, died) - high));
  }
  return total;
}

/** The BG/NBD log-likelihood of the summaries (eq. 6 summed over customers). */
export function bgNbdLogLikelihood(summaries: readonly CustomerSummary[], parameters: BgNbdParameters): number {
  const data = prepare(summaries);
  return preparedLogLikelihood(data, { ...parameters, alpha: parameters.alpha / data.scale });
}

export const BG_NBD_FIT_DEFAULTS: MinimiseOptions = { maxIterations: 4000, tolerance: 1e-9, initialStep: 0.5 };

/** The maximum-likelihood parameters, found by Nelder–Mead on their logarithms (they are positive). */
export function fitBgNbd(summaries: readonly CustomerSummary[], options: MinimiseOptions = BG_NBD_FIT_DEFAULTS): BgNbdFit {
  const data = prepare(summaries);
  const n = summaries.length;
  const fromLogs = (v: readonly number[]): BgNbdParameters => ({ r: Math.exp(v[0] as number), alpha: Math.exp(v[1] as number), a: Math.exp(v[2] as number), b: Math.exp(v[3] as number) });
  // The mean negative log-likelihood, so that the tolerance does not depend on the customer count.
  const objective = (v: number[]): number => {
    const value = -preparedLogLikelihood(data, fromLogs(v)) / n;
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };
  const minimum = minimise(objective, [0, 0, 0, 0], options);
  const scaled = fromLogs(minimum.x);
  return {
    parameters: { ...scaled, alpha: scaled.alpha * data.scale },
    logLikelihood: -minimum.value * n,
    iterations: minimum.iterations,
    converged: minimum.converged,
  };
}

/** a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) for x > 0, else 0: P(alive) = 1 / (1 + this) (eq. 13). */
function deadOdds({ r, alpha, a, b }: BgNbdParameters, s: CustomerSummary): number {
  if (s.frequency === 0) return 0;
  return (a / (b + s.frequency - 1)) * ((alpha + s.ageDays) / (alpha + s.recencyDays)) ** (r + s.frequency);
}

/** The probability that the customer is still active at the observation end (eq. 13). */
export function probabilityAlive(parameters: BgNbdParameters, summary: CustomerSummary): number {
  return 1 / (1 + deadOdds(parameters, summary));
}

/**
 * E[orders in (T, T + t] | x, t_x, T] (eq. 10) for each t of `horizons`:
 * (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x)).
 */
export function conditionalExpectedOrdersOver(parameters: BgNbdParameters, summary: CustomerSummary, horizons: readonly number[]): number[] {
  const { r, alpha, a, b } = parameters;
  const x = summary.frequency;
  // ((α+T)/(α+T+t))^(r+x) 2F1(…; z) with z = t/(α+T+t) is (1 − z)^(r+x) 2F1(…; z), computed as one.
  const scaledHyp = scaledGaussHypergeometric(r + x, b + x, a + b + x - 1);
  const factor = (a + b + x - 1) / (a - 1) / (1 + deadOdds(parameters, summary));
  const start = alpha + summary.ageDays;
  return horizons.map((t) => (t > 0 ? factor * (1 - scaledHyp(t / (start + t))) : 0));
}

export function conditionalExpectedOrders(parameters: BgNbdParameters, summary: CustomerSummary, t: number): number {
  return conditionalExpectedOrdersOver(parameters, summary, [t])[0] as number;
}
