import { describe, expect, it } from 'vitest';
import { conditionalExpectedOrders, probabilityAlive } from './bgnbd.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { expectedOrderValue } from './gamma-gamma.ts';
import { fitClvModel, isPlausible, scoreCustomer, type ClvModel } from './model.ts';
import { discountedValue } from './predicted-value.ts';

const cdnowModel: ClvModel = {
  r: 0.2426, alpha: 4.414, a: 0.7929, b: 2.4259, p: 6.25, q: 3.74, gamma: 15.44,
  bgNbdLogLikelihood: -9582.43, gammaGammaLogLikelihood: -4055.9, iterations: 1, converged: true, customers: 2357, repeatCustomers: 946,
};

const summary = (frequency: number, recencyDays: number, ageDays: number, avgRepeatOrderValue = 0): CustomerSummary => ({ frequency, recencyDays, ageDays, avgRepeatOrderValue });

/** A deterministic population: repeat buyers of varied habits and one-order customers. */
function population(n: number): CustomerSummary[] {
  return Array.from({ length: n }, (_, i) => {
    const frequency = i % 3 === 0 ? 0 : (i % 7) + 1;
    const ageDays = 20 + (i % 40);
    const recencyDays = frequency === 0 ? 0 : ageDays * (((i * 37) % 100) / 100);
    return summary(frequency, recencyDays, ageDays, frequency === 0 ? 0 : 10 + ((i * 13) % 50));
  });
}

describe('P(alive)', () => {
  it('is 1 without repeat orders, whatever the age', () => {
    expect(probabilityAlive(cdnowModel, summary(0, 0, 5))).toBe(1);
    expect(probabilityAlive(cdnowModel, summary(0, 0, 500))).toBe(1);
  });

  it('falls as the time since the last order grows', () => {
    const recent = probabilityAlive(cdnowModel, summary(3, 30, 32));
    const lapsed = probabilityAlive(cdnowModel, summary(3, 5, 32));
    expect(recent).toBeGreaterThan(lapsed);
    expect(lapsed).toBeGreaterThan(0);
  });
});

describe('expected order value', () => {
  it('is the population mean γp/(q−1) without repeat orders', () => {
    expect(expectedOrderValue(cdnowModel, summary(0, 0, 10))).toBeCloseTo((15.44 * 6.25) / 2.74, 10);
  });

  it('moves toward the customer\'s own mean with more repeat orders', () => {
    const few = expectedOrderValue(cdnowModel, summary(1, 5, 10, 100));
    const many = expectedOrderValue(cdnowModel, summary(20, 5, 10, 100));
    expect(few).toBeLessThan(many);
    expect(many).toBeLessThan(100);
  });
});

describe('discountedValue', () => {
  it('discounts each month\'s expected orders by (1 + d)^m', () => {
    expect(discountedValue([1, 3, 3.5], 10, 0.01)).toBeCloseTo(10 / 1.01 + 20 / 1.01 ** 2 + 5 / 1.01 ** 3, 12);
  });

  it('without discount is the expected orders of the whole horizon times the order value', () => {
    expect(discountedValue([0.5, 0.9, 1.2], 20, 0)).toBeCloseTo(24, 12);
  });
});

describe('scoreCustomer', () => {
  it('scores from the model functions, the 12 months discounted', () => {
    const s = summary(2, 30, 40, 25);
    const score = scoreCustomer(cdnowModel, s);
    expect(score.pAlive).toBe(probabilityAlive(cdnowModel, s));
    expect(score.expectedOrders30d).toBe(conditionalExpectedOrders(cdnowModel, s, 30));
    expect(score.expectedOrders365d).toBe(conditionalExpectedOrders(cdnowModel, s, 365));
    expect(score.expectedOrderValue).toBe(expectedOrderValue(cdnowModel, s));
    const undiscounted = scoreCustomer(cdnowModel, s, { monthlyDiscount: 0 }).predictedValue12m;
    expect(undiscounted).toBeCloseTo(conditionalExpectedOrders(cdnowModel, s, 360) * score.expectedOrderValue, 9);
    expect(score.predictedValue12m).toBeLessThan(undiscounted);
    expect(score.predictedValue12m).toBeGreaterThan(undiscounted / 1.01 ** 12);
  });

  it('stays finite for a customer of hundreds of orders over a short time', () => {
    const score = scoreCustomer(cdnowModel, summary(300, 0.5, 0.6, 12));
    for (const value of Object.values(score)) expect(Number.isFinite(value)).toBe(true);
    expect(score.expectedOrders365d).toBeGreaterThan(score.expectedOrders30d);
  });
});

describe('fitClvModel', () => {
  it('fits a population and reports its counts', () => {
    const summaries = population(300);
    const result = fitClvModel(summaries);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.model.customers).toBe(300);
    expect(result.model.repeatCustomers).toBe(200);
    expect(result.model.converged).toBe(true);
    expect(result.model.bgNbdLogLikelihood).toBeLessThan(0);
  });

  it('gives a reason for too few customers', () => {
    const result = fitClvModel(population(29));
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/too few customers: 29/) });
  });

  it('gives a reason when no customer has a repeat order', () => {
    const result = fitClvModel(Array.from({ length: 100 }, (_, i) => summary(0, 0, 1 + i)));
    expect(result).toEqual({ ok: false, reason: 'no customer has a repeat order' });
  });

  it('gives a reason when the repeat orders are all of zero value', () => {
    const result = fitClvModel(population(100).map((s) => ({ ...s, avgRepeatOrderValue: 0 })));
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/too few customers with a repeat order of positive value: 0/) });
  });

  it('gives a reason for an invalid summary', () => {
    const summaries = population(100);
    summaries[7] = summary(1, 5, Number.NaN, 3);
    expect(fitClvModel(summaries)).toEqual({ ok: false, reason: expect.stringMatching(/customer summary 7 is invalid/) });
  });

  it('gives a reason when a fit does not converge', () => {
    const fewIterations = fitClvModel(population(300), { fit: { maxIterations: 5, tolerance: 1e-9, initialStep: 0.5 } });
    expect(fewIterations).toEqual({ ok: false, reason: expect.stringMatching(/did not converge in 5 iterations/) });
  });
});

describe('isPlausible', () => {
  const fine = { pAlive: 0.8, expectedOrders30d: 0.5, expectedOrders365d: 3, expectedOrderValue: 40, predictedValue12m: 110 };
  it('takes ordinary scores and refuses the ones no customer has (a near-0 BG/NBD a gives such)', () => {
    expect(isPlausible(fine)).toBe(true);
    expect(isPlausible({ ...fine, predictedValue12m: 5.3e134 })).toBe(false);
    expect(isPlausible({ ...fine, predictedValue12m: -7.6e74 })).toBe(false);
    expect(isPlausible({ ...fine, expectedOrders365d: 0.1 })).toBe(false);
    expect(isPlausible({ ...fine, pAlive: 1.2 })).toBe(false);
    expect(isPlausible({ ...fine, expectedOrderValue: Number.NaN })).toBe(false);
  });
});
