/**
 * How a model fitted on a calibration period predicts the repeat orders of the holdout period that
 * follows it (the validation of Fader, Hardie & Lee 2005, section 5, fig. 4): totals, mean absolute
 * error per customer, and means by the number of calibration repeat orders.
 */
import { conditionalExpectedOrders, type BgNbdParameters } from './bgnbd.ts';
import type { CustomerSummary } from './customer-summary.ts';

export interface HoldoutCustomer {
  /** The summary at the calibration end. */
  readonly summary: CustomerSummary;
  /** The customer's orders in the holdout period. */
  readonly holdoutOrders: number;
}

export interface FrequencyGroup {
  /** Calibration repeat orders: '0' … '6', and '7+'. */
  readonly calibrationRepeatOrders: string;
  readonly customers: number;
  /** null when the group has no customer. */
  readonly meanPredicted: number | null;
  readonly meanActual: number | null;
}

export interface ClvEvaluation {
  readonly customers: number;
  readonly holdoutDays: number;
  readonly totalPredicted: number;
  readonly totalActual: number;
  readonly meanAbsoluteError: number;
  readonly byFrequency: readonly FrequencyGroup[];
}

/** The last group holds this many calibration repeat orders or more. */
const LAST_GROUP = 7;

export function evaluateClv(model: BgNbdParameters, customers: readonly HoldoutCustomer[], holdoutDays: number): ClvEvaluation {
  const groups = Array.from({ length: LAST_GROUP + 1 }, () => ({ customers: 0, predicted: 0, actual: 0 }));
  let totalPredicted = 0;
  let totalActual = 0;
  let absoluteError = 0;
  for (const { summary, holdoutOrders } of customers) {
    const predicted = conditionalExpectedOrders(model, summary, holdoutDays);
    totalPredicted += predicted;
    totalActual += holdoutOrders;
    absoluteError += Math.abs(predicted - holdoutOrders);
    const group = groups[Math.min(summary.frequency, LAST_GROUP)] as (typeof groups)[number];
    group.customers += 1;
    group.predicted += predicted;
    group.actual += holdoutOrders;
  }
  return {
    customers: customers.length,
    holdoutDays,
    totalPredicted,
    totalActual,
    meanAbsoluteError: customers.length > 0 ? absoluteError / customers.length : 0,
    byFrequency: groups.map((g, i) => ({
      calibrationRepeatOrders: i < LAST_GROUP ? String(i) : `${LAST_GROUP}+`,
      customers: g.customers,
      meanPredicted: g.customers > 0 ? g.predicted / g.customers : null,
      meanActual: g.customers > 0 ? g.actual / g.customers : null,
    })),
  };
}
