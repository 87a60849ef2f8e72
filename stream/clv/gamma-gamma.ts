/**
 * The Gamma-Gamma model of order value (Fader & Hardie 2013, "The Gamma-Gamma model of monetary
 * value"): log-likelihood of the mean repeat-order values (eq. 3 there, as `lifetimes` computes
 * it), maximum-likelihood fit of p, q, γ, and the conditional expected order value (eq. 5).
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import type { CustomerSummary } from './customer-summary.ts';
import { minimise, type MinimiseOptions } from './nelder-mead.ts';

export interface GammaGammaParameters {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export interface GammaGammaFit {
  readonly parameters: GammaGammaParameters;
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** The customers the model is fitted on: at least one repeat order, of positive mean value. */
export function hasRepeatValue(summary: CustomerSummary): boolean {
  return summary.frequency >= 1 && summary.avgRepeatOrderValue > 0;
}

/** The values in columns, with the per-customer terms that do not depend on the parameters. */
interface FitData {
  readonly frequency: Float64Array;
  readonly totalValue: Float64Array;
  /** ln z̄ and ln(x·z̄): (px−1)·ln z̄ + px·ln x = px·ln(x·z̄) − ln z̄. */
  readonly lnValue: Float64Array;
  readonly lnFrequencyValue: Float64Array;
}

function prepare(summaries: readonly CustomerSummary[]): FitData {
  const fitted = summaries.filter(hasRepeatValue);
  return {
    frequency: Float64Array.from(fitted, (s) => s.frequency),
    totalValue: Float64Array.from(fitted, (s) => s.frequency * s.avgRepeatOrderValue),
    lnValue: Float64Array.from(fitted, (s) => Math.log(s.avgRepeatOrderValue)),
    lnFrequencyValue: Float64Array.from(fitted, (s) => Math.log(s.frequency * s.avgRepeatOrderValue)),
  };
}

/**
 * Σ ln[Γ(px+q) / (Γ(px) Γ(q)) · γ^q z̄^(px−1) x^(px) / (γ + x z̄)^(px+q)]: eq. 3, the density of
 * the mean value z̄ of x orders.
 */
function preparedLogLikelihood(data: FitData, { p, q, gamma }: GammaGammaParameters): number {
  const { frequency, totalValue, lnValue, lnFrequencyValue } = data;
  const perCustomerConstant = q * Math.log(gamma) - gammaln(q);
  let total = 0;
  let lastX = Number.NaN;
  let lnGammaRatio = 0;
  for (let j = 0; j < frequency.length; j++) {
    const x = frequency[j] as number;
    const px = p * x;
    if (x !== lastX) {
      lnGammaRatio = gammaln(px + q) - gammaln(px);
      lastX = x;
    }
    total += lnGammaRatio + perCustomerConstant + px * (lnFrequencyValue[j] as number) - (lnValue[j] as number) - (px + q) * Math.log(gamma + (totalValue[j] as number));
  }
  return total;
}

/** The Gamma-Gamma log-likelihood of the summaries with repeat value (the others are left out). */
export function gammaGammaLogLikelihood(summaries: readonly CustomerSummary[], parameters: GammaGammaParameters): number {
  return preparedLogLikelihood(prepare(summaries), parameters);
}

export const GAMMA_GAMMA_FIT_DEFAULTS: MinimiseOptions = { maxIterations: 3000, tolerance: 1e-9, initialStep: 0.5 };

/** The maximum-likelihood parameters on the summaries with repeat value, by Nelder–Mead on their logarithms. */
export function fitGammaGamma(summaries: readonly CustomerSummary[], options: MinimiseOptions = GAMMA_GAMMA_FIT_DEFAULTS): GammaGammaFit {
  const data = prepare([...summaries].sort((s, t) => s.frequency - t.frequency));
  const n = data.frequency.length;
  const fromLogs = (v: readonly number[]): GammaGammaParameters => ({ p: Math.exp(v[0] as number), q: Math.exp(v[1] as number), gamma: Math.exp(v[2] as number) });
  const objective = (v: number[]): number => {
    const value = -preparedLogLikelihood(data, fromLogs(v)) / n;
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };
  const minimum = minimise(objective, [0, 0, 0], options);
  return { parameters: fromLogs(minimum.x), logLikelihood: -minimum.value * n, iterations: minimum.iterations, converged: minimum.converged };
}

/**
 * E[order value | x, z̄] (eq. 5): a weighted mean of the population mean γp/(q−1) and the
 * customer's own mean, the weight px/(px+q−1) growing with the repeat orders; the population mean
 * for x = 0. Infinite when q ≤ 1 (the population mean does not exist).
 */
export function expectedOrderValue({ p, q, gamma }: GammaGammaParameters, summary: CustomerSummary): number {
  if (q <= 1) return Number.POSITIVE_INFINITY;
  const populationMean = (gamma * p) / (q - 1);
  const px = p * summary.frequency;
  const weight = px / (px + q - 1);
  return (1 - weight) * populationMean + weight * summary.avgRepeatOrderValue;
}
