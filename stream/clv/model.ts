/**
 * The customer lifetime value model: BG/NBD for repeat orders and Gamma-Gamma for order value,
 * fitted together on the customer summaries of one observation end (times in days), and the
 * scores of one customer. A fit that cannot be trusted is a reason, never an exception, so the
 * caller keeps its previous model.
 */
import { conditionalExpectedOrdersOver, fitBgNbd, probabilityAlive, type BgNbdParameters } from './bgnbd.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { expectedOrderValue, fitGammaGamma, hasRepeatValue, type GammaGammaParameters } from './gamma-gamma.ts';
import type { MinimiseOptions } from './nelder-mead.ts';
import { discountedValue, monthEnds, PREDICTED_VALUE_DEFAULTS, type DiscountedValueOptions } from './predicted-value.ts';

export interface ClvModel extends BgNbdParameters, GammaGammaParameters {
  readonly bgNbdLogLikelihood: number;
  readonly gammaGammaLogLikelihood: number;
  /** Nelder–Mead iterations of both fits. */
  readonly iterations: number;
  readonly converged: boolean;
  readonly customers: number;
  /** Customers with at least one repeat order. */
  readonly repeatCustomers: number;
}

export type ClvFitResult = { readonly ok: true; readonly model: ClvModel } | { readonly ok: false; readonly reason: string };

export interface ClvFitOptions {
  /** Fewer customers than this are too few for four BG/NBD parameters to mean anything. */
  readonly minCustomers: number;
  /** Fewer customers with a repeat order of positive value than this are too few for Gamma-Gamma's three. */
  readonly minRepeatCustomers: number;
  /** The optimiser's settings for both fits; each fit's own defaults when absent. */
  readonly fit?: MinimiseOptions;
}

export const CLV_FIT_DEFAULTS: ClvFitOptions = { minCustomers: 30, minRepeatCustomers: 10 };

export interface CustomerScore {
  readonly pAlive: number;
  readonly expectedOrders30d: number;
  readonly expectedOrders365d: number;
  readonly expectedOrderValue: number;
  readonly predictedValue12m: number;
}

function isValidSummary(s: CustomerSummary): boolean {
  return Number.isInteger(s.frequency) && s.frequency >= 0 && s.recencyDays >= 0 && s.ageDays >= s.recencyDays && Number.isFinite(s.ageDays) && s.avgRepeatOrderValue >= 0 && Number.isFinite(s.avgRepeatOrderValue);
}

export function fitClvModel(summaries: readonly CustomerSummary[], options: Partial<ClvFitOptions> = {}): ClvFitResult {
  const { minCustomers, minRepeatCustomers, fit } = { ...CLV_FIT_DEFAULTS, ...options };
  const invalid = summaries.findIndex((s) => !isValidSummary(s));
  if (invalid >= 0) return { ok: false, reason: `customer summary ${invalid} is invalid: ${JSON.stringify(summaries[invalid])}` };
  if (summaries.length < minCustomers) return { ok: false, reason: `too few customers: ${summaries.length} (at least ${minCustomers})` };
  const repeatCustomers = summaries.filter((s) => s.frequency > 0).length;
  if (repeatCustomers === 0) return { ok: false, reason: 'no customer has a repeat order' };
  const valued = summaries.filter(hasRepeatValue).length;
  if (valued < minRepeatCustomers) return { ok: false, reason: `too few customers with a repeat order of positive value: ${valued} (at least ${minRepeatCustomers})` };

  const bgNbd = fitBgNbd(summaries, fit);
  const gammaGamma = fitGammaGamma(summaries, fit);
  const model: ClvModel = {
    ...bgNbd.parameters,
    ...gammaGamma.parameters,
    bgNbdLogLikelihood: bgNbd.logLikelihood,
    gammaGammaLogLikelihood: gammaGamma.logLikelihood,
    iterations: bgNbd.iterations + gammaGamma.iterations,
    converged: bgNbd.converged && gammaGamma.converged,
    customers: summaries.length,
    repeatCustomers,
  };
  const numbers = [model.r, model.alpha, model.a, model.b, model.p, model.q, model.gamma, model.bgNbdLogLikelihood, model.gammaGammaLogLikelihood];
  if (!numbers.every((v) => Number.isFinite(v) && v !== 0)) return { ok: false, reason: `the fit is not finite: ${JSON.stringify(model)}` };
  if (!bgNbd.converged) return { ok: false, reason: `the BG/NBD fit did not converge in ${bgNbd.iterations} iterations` };
  if (!gammaGamma.converged) return { ok: false, reason: `the Gamma-Gamma fit did not converge in ${gammaGamma.iterations} iterations` };
  if (model.q <= 1) return { ok: false, reason: `Gamma-Gamma q = ${model.q} ≤ 1: the mean order value of the population is infinite` };
  const unscorable = extremes(summaries).find((s) => !isPlausible(scoreCustomer(model, s)));
  if (unscorable) return { ok: false, reason: `the fitted model scores ${JSON.stringify(unscorable)} implausibly: ${JSON.stringify(scoreCustomer(model, unscorable))}` };
  return { ok: true, model };
}

/** The customers at the edges of the data (most repeat orders, longest and shortest history): where a model's numbers break first. */
function extremes(summaries: readonly CustomerSummary[]): CustomerSummary[] {
  const by = (key: (s: CustomerSummary) => number) => summaries.reduce((best, s) => (key(s) > key(best) ? s : best));
  return [by((s) => s.frequency), by((s) => s.ageDays), by((s) => -s.ageDays), by((s) => s.avgRepeatOrderValue)];
}

/** Bounds no customer's scores pass: a fit that predicts beyond them (as a BG/NBD with a near 0 can, numerically) describes nothing. */
const MAX_ORDERS_A_YEAR = 100_000;
const MAX_VALUE = 1e12;

export function isPlausible(s: CustomerScore): boolean {
  return (
    s.pAlive >= 0 &&
    s.pAlive <= 1 &&
    s.expectedOrders30d >= 0 &&
    s.expectedOrders365d >= s.expectedOrders30d &&
    s.expectedOrders365d <= MAX_ORDERS_A_YEAR &&
    s.expectedOrderValue >= 0 &&
    s.expectedOrderValue <= MAX_VALUE &&
    s.predictedValue12m >= 0 &&
    s.predictedValue12m <= MAX_VALUE
  );
}

/** The scores of one customer at its summary's observation end. */
export function scoreCustomer(model: ClvModel, summary: CustomerSummary, options: Partial<DiscountedValueOptions> = {}): CustomerScore {
  const valueOptions = { ...PREDICTED_VALUE_DEFAULTS, ...options };
  const [expectedOrders30d, expectedOrders365d, ...cumulativeOrders] = conditionalExpectedOrdersOver(model, summary, [30, 365, ...monthEnds(valueOptions)]);
  const orderValue = expectedOrderValue(model, summary);
  return {
    pAlive: probabilityAlive(model, summary),
    expectedOrders30d: expectedOrders30d as number,
    expectedOrders365d: expectedOrders365d as number,
    expectedOrderValue: orderValue,
    predictedValue12m: discountedValue(cumulativeOrders, orderValue, valueOptions.monthlyDiscount),
  };
}
