// The published CDNOW figures: BG/NBD (Fader, Hardie & Lee 2005, section 5) and Gamma-Gamma
// (Fader & Hardie 2013), on the fixture in test/fixtures/ (times in weeks).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bgNbdLogLikelihood, conditionalExpectedOrders, fitBgNbd } from './bgnbd.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { fitGammaGamma, hasRepeatValue } from './gamma-gamma.ts';

function cdnowSummaries(): CustomerSummary[] {
  const text = readFileSync(new URL('../../test/fixtures/cdnow_customers_summary_with_transactions.csv', import.meta.url), 'utf8');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  expect(header).toBe('ID,x,t_x,T,zbar');
  return lines.map((line) => {
    const [, x, tx, T, zbar] = line.split(',').map(Number);
    return { frequency: x as number, recencyDays: tx as number, ageDays: T as number, avgRepeatOrderValue: zbar as number };
  });
}

const withinRelative = (actual: number, expected: number, tolerance: number) => expect(Math.abs(actual / expected - 1)).toBeLessThanOrEqual(tolerance);

describe('CDNOW', () => {
  const summaries = cdnowSummaries();

  it('has the 2,357 customers of the sample', () => {
    expect(summaries).toHaveLength(2357);
  });

  it('BG/NBD fit: the published parameters and log-likelihood within 0.5 %', () => {
    const fit = fitBgNbd(summaries);
    expect(fit.converged).toBe(true);
    withinRelative(fit.parameters.r, 0.2426, 0.005);
    withinRelative(fit.parameters.alpha, 4.414, 0.005);
    withinRelative(fit.parameters.a, 0.7929, 0.005);
    withinRelative(fit.parameters.b, 2.4259, 0.005);
    withinRelative(fit.logLikelihood, -9582.43, 0.005);
    expect(fit.logLikelihood).toBeCloseTo(bgNbdLogLikelihood(summaries, fit.parameters), 6);
  });

  it('BG/NBD log-likelihood at the published parameters is the published one', () => {
    expect(bgNbdLogLikelihood(summaries, { r: 0.2426, alpha: 4.414, a: 0.7929, b: 2.4259 })).toBeCloseTo(-9582.43, 0);
  });

  it('conditional expectation for x = 2, t_x = 30.43, T = 38.86 over the next 39 weeks is 1.226', () => {
    const parameters = { r: 0.2426, alpha: 4.414, a: 0.7929, b: 2.4259 };
    const expected = conditionalExpectedOrders(parameters, { frequency: 2, recencyDays: 30.43, ageDays: 38.86, avgRepeatOrderValue: 0 }, 39);
    expect(Math.abs(expected - 1.226)).toBeLessThanOrEqual(0.001);
  });

  it('Gamma-Gamma fit on the 946 customers with repeat purchases: the published parameters within 1 %', () => {
    expect(summaries.filter(hasRepeatValue)).toHaveLength(946);
    const fit = fitGammaGamma(summaries);
    expect(fit.converged).toBe(true);
    withinRelative(fit.parameters.p, 6.25, 0.01);
    withinRelative(fit.parameters.q, 3.74, 0.01);
    withinRelative(fit.parameters.gamma, 15.44, 0.01);
  });
});
