/**
 * The predicted value of a customer's next months (issue 25): Σ over months m = 1..M of the orders
 * expected in month m, E[orders by m·L] − E[orders by (m−1)·L], times the expected order value,
 * discounted by (1 + d)^m.
 */

export interface DiscountedValueOptions {
  readonly months: number;
  readonly monthDays: number;
  /** Discount rate per month. */
  readonly monthlyDiscount: number;
}

export const PREDICTED_VALUE_DEFAULTS: DiscountedValueOptions = { months: 12, monthDays: 30, monthlyDiscount: 0.01 };

/** The horizons, in days, at which the cumulative expected orders are needed: L, 2L, …, M·L. */
export function monthEnds({ months, monthDays }: DiscountedValueOptions): number[] {
  return Array.from({ length: months }, (_, i) => (i + 1) * monthDays);
}

/** The discounted value, from the cumulative expected orders at each of `monthEnds`. */
export function discountedValue(cumulativeOrders: readonly number[], orderValue: number, monthlyDiscount: number): number {
  let value = 0;
  let before = 0;
  cumulativeOrders.forEach((byMonthEnd, i) => {
    value += ((byMonthEnd - before) * orderValue) / (1 + monthlyDiscount) ** (i + 1);
    before = byMonthEnd;
  });
  return value;
}
