import { describe, expect, it } from 'vitest';
import { conditionalExpectedOrders } from './bgnbd.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { evaluateClv, type HoldoutCustomer } from './evaluate.ts';

const parameters = { r: 0.2426, alpha: 4.414, a: 0.7929, b: 2.4259 };
const customer = (frequency: number, holdoutOrders: number): HoldoutCustomer => {
  const summary: CustomerSummary = { frequency, recencyDays: frequency * 2, ageDays: 30, avgRepeatOrderValue: 0 };
  return { summary, holdoutOrders };
};

describe('evaluateClv', () => {
  const customers = [customer(0, 0), customer(0, 1), customer(2, 3), customer(7, 2), customer(12, 6)];
  const evaluation = evaluateClv(parameters, customers, 14);
  const predicted = customers.map((c) => conditionalExpectedOrders(parameters, c.summary, 14));

  it('totals the predicted and the actual holdout orders', () => {
    expect(evaluation.customers).toBe(5);
    expect(evaluation.holdoutDays).toBe(14);
    expect(evaluation.totalActual).toBe(12);
    expect(evaluation.totalPredicted).toBeCloseTo(predicted.reduce((sum, p) => sum + p, 0), 12);
  });

  it('gives the mean absolute error per customer', () => {
    const expected = customers.reduce((sum, c, i) => sum + Math.abs((predicted[i] as number) - c.holdoutOrders), 0) / 5;
    expect(evaluation.meanAbsoluteError).toBeCloseTo(expected, 12);
  });

  it('groups by calibration repeat orders 0 … 6 and 7+', () => {
    expect(evaluation.byFrequency.map((g) => g.calibrationRepeatOrders)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(evaluation.byFrequency[0]).toEqual({ calibrationRepeatOrders: '0', customers: 2, meanPredicted: predicted[0], meanActual: 0.5 });
    expect(evaluation.byFrequency[1]).toEqual({ calibrationRepeatOrders: '1', customers: 0, meanPredicted: null, meanActual: null });
    const last = evaluation.byFrequency[7];
    expect(last?.customers).toBe(2);
    expect(last?.meanActual).toBe(4);
    expect(last?.meanPredicted).toBeCloseTo(((predicted[3] as number) + (predicted[4] as number)) / 2, 12);
  });
});
