/**
 * A customer's purchase history as the BG/NBD and Gamma-Gamma models read it (Fader, Hardie & Lee
 * 2005, section 2; Fader & Hardie 2013): repeat orders, recency, age and the mean value of the
 * repeat orders. Times are in days (fractional); the first order counts for neither the frequency
 * nor the mean value, as in both papers and in `lifetimes`.
 */

export const MS_PER_DAY = 86_400_000;

/** One order: its time (ms since the epoch) and its value. */
export interface Order {
  readonly at: number;
  readonly value: number;
}

/** The models' input for one customer at one observation end. */
export interface CustomerSummary {
  /** Repeat orders: orders − 1. */
  readonly frequency: number;
  /** Days from the first order to the last. */
  readonly recencyDays: number;
  /** Days from the first order to the observation end. */
  readonly ageDays: number;
  /** Mean value of the repeat orders; 0 without any. */
  readonly avgRepeatOrderValue: number;
}

/**
 * What the aggregator keeps per customer so that the summary at any observation end costs O(1).
 * The first order's value is kept apart so that an earlier order arriving late can take its place.
 */
export interface OrderHistory {
  readonly firstOrderAt: number;
  readonly firstOrderValue: number;
  readonly lastOrderAt: number;
  readonly orders: number;
  readonly repeatOrderValueSum: number;
}

/** The history of a first order. */
export function startHistory(order: Order): OrderHistory {
  return { firstOrderAt: order.at, firstOrderValue: order.value, lastOrderAt: order.at, orders: 1, repeatOrderValueSum: 0 };
}

/**
 * The history with one more order. An order strictly earlier than the first becomes the first
 * (the former first turns into a repeat order); one at the same millisecond is a repeat order, so
 * orders seen in time order give the same history as `summarise` on the list.
 */
export function addOrder(history: OrderHistory | undefined, order: Order): OrderHistory {
  if (history === undefined) return startHistory(order);
  const becomesFirst = order.at < history.firstOrderAt;
  return {
    firstOrderAt: becomesFirst ? order.at : history.firstOrderAt,
    firstOrderValue: becomesFirst ? order.value : history.firstOrderValue,
    lastOrderAt: Math.max(history.lastOrderAt, order.at),
    orders: history.orders + 1,
    repeatOrderValueSum: history.repeatOrderValueSum + (becomesFirst ? history.firstOrderValue : order.value),
  };
}

/** A purchase joining an order already counted (same session): its price adds to that order's value. */
export function addToOrderValue(history: OrderHistory, orderAt: number, value: number): OrderHistory {
  const isFirst = orderAt === history.firstOrderAt;
  return {
    ...history,
    firstOrderValue: isFirst ? history.firstOrderValue + value : history.firstOrderValue,
    repeatOrderValueSum: isFirst ? history.repeatOrderValueSum : history.repeatOrderValueSum + value,
  };
}

/** The summary of a history at observation end `asOf` (ms; not before the last order). */
export function summaryAt(history: OrderHistory, asOf: number): CustomerSummary {
  const frequency = history.orders - 1;
  return {
    frequency,
    recencyDays: (history.lastOrderAt - history.firstOrderAt) / MS_PER_DAY,
    ageDays: (asOf - history.firstOrderAt) / MS_PER_DAY,
    avgRepeatOrderValue: frequency > 0 ? history.repeatOrderValueSum / frequency : 0,
  };
}

/**
 * The summary of a customer's orders (at least one) at observation end `asOf`. Orders at the same
 * millisecond keep their given order: the first listed is the first order.
 */
export function summarise(orders: readonly Order[], asOf: number): CustomerSummary {
  if (orders.length === 0) throw new RangeError('a customer summary needs at least one order');
  // Array sort is stable: orders at the same millisecond stay in their given order.
  const inTime = [...orders].sort((p, q) => p.at - q.at);
  let history: OrderHistory | undefined;
  for (const order of inTime) history = addOrder(history, order);
  return summaryAt(history as OrderHistory, asOf);
}
