// Customer lifetime value: revenue, purchases, orders, first and last purchase, average order
// value. An order is a distinct non-empty session with a purchase; a purchase without a session
// is an order of its own. No window: late purchases count too.
//
// The sessions already counted are held in a bounded form: the order count, plus the customer's
// RECENT_SESSIONS most recently used sessions with a purchase. A purchase in one of them is part
// of an order already counted; any other session is a new order. So the count is exact unless a
// customer buys again in a session after buying in RECENT_SESSIONS other sessions since; in shop
// data a session's purchases come within minutes of each other, and none of the reference data
// or the generated data does that. A customer's state stays a few hundred bytes however many
// orders they place, where a set of every session id would grow with them.
//
// Beside it, the customer's order history as the lifetime-value model reads it (clv/): first and
// last order, the first order's value and the repeat orders' value, in cents. An order's time is
// its first purchase's as processed; a later purchase of its session adds to its value.
import type { ShopEvent } from '../../core/event.ts';
import type { CustomerRow } from '../../core/result-rows.ts';
import { addOrder, addToOrderValue, type OrderHistory } from '../clv/customer-summary.ts';

export const RECENT_SESSIONS = 8;

export interface CustomerValue {
  revenueCents: number;
  purchases: number;
  orders: number;
  /** The sessions of the latest orders, least recently used first; at most RECENT_SESSIONS. */
  recentSessions: string[];
  /** Each recent session's order time, index for index. */
  recentOrderAt: number[];
  /** Its orders as the lifetime-value model reads them (values in cents); undefined before the first. */
  history: OrderHistory | undefined;
  firstPurchaseAt: number;
  lastPurchaseAt: number;
}

/** What a customer's value reads as: the customer_lifetime_value row without its key and version. */
export type CustomerValueResult = Omit<CustomerRow, 'userId' | 'version'>;

export function emptyCustomerValue(): CustomerValue {
  return {
    revenueCents: 0,
    purchases: 0,
    orders: 0,
    recentSessions: [],
    recentOrderAt: [],
    history: undefined,
    firstPurchaseAt: Number.POSITIVE_INFINITY,
    lastPurchaseAt: Number.NEGATIVE_INFINITY,
  };
}

export function addPurchase(acc: CustomerValue, e: ShopEvent): void {
  acc.revenueCents += e.price_cents;
  acc.purchases += 1;
  if (e.user_session) useSession(acc, e.user_session, e);
  else newOrder(acc, e);
  if (e.event_time < acc.firstPurchaseAt) acc.firstPurchaseAt = e.event_time;
  if (e.event_time > acc.lastPurchaseAt) acc.lastPurchaseAt = e.event_time;
}

/** A purchase in `session`: a new order unless the session is a recent one; it becomes the most recent. */
function useSession(acc: CustomerValue, session: string, e: ShopEvent): void {
  const recent = acc.recentSessions;
  const at = recent.indexOf(session);
  let orderAt = e.event_time;
  if (at >= 0) {
    orderAt = acc.recentOrderAt[at]!;
    recent.splice(at, 1);
    acc.recentOrderAt.splice(at, 1);
    acc.history = addToOrderValue(acc.history!, orderAt, e.price_cents);
  } else {
    newOrder(acc, e);
    if (recent.length === RECENT_SESSIONS) {
      recent.shift();
      acc.recentOrderAt.shift();
    }
  }
  recent.push(session);
  acc.recentOrderAt.push(orderAt);
}

function newOrder(acc: CustomerValue, e: ShopEvent): void {
  acc.orders += 1;
  acc.history = addOrder(acc.history, { at: e.event_time, value: e.price_cents });
}

/** Totals as state written before order histories were kept holds them. */
export type CustomerTotals = Omit<CustomerValue, 'recentOrderAt' | 'history'>;

/**
 * A customer restored from totals alone: the order history is approximated from them (first and
 * last order at the first and last purchase, the revenue spread evenly over the orders, the recent
 * sessions' orders at the last purchase); the orders that follow are kept exactly.
 */
export function withApproximateHistory(t: CustomerTotals): CustomerValue {
  const firstOrderValue = t.orders > 0 ? Math.round(t.revenueCents / t.orders) : 0;
  const history: OrderHistory | undefined =
    t.orders > 0 ? { firstOrderAt: t.firstPurchaseAt, firstOrderValue, lastOrderAt: t.lastPurchaseAt, orders: t.orders, repeatOrderValueSum: t.revenueCents - firstOrderValue } : undefined;
  return { ...t, recentOrderAt: t.recentSessions.map(() => t.lastPurchaseAt), history };
}

export function customerValueResult(acc: CustomerValue): CustomerValueResult {
  const orders = acc.orders;
  return {
    revenueCents: acc.revenueCents,
    purchases: acc.purchases,
    orders,
    firstPurchaseAt: acc.firstPurchaseAt,
    lastPurchaseAt: acc.lastPurchaseAt,
    // Half-up rounding to the cent.
    avgOrderValueCents: orders === 0 ? 0 : Math.round(acc.revenueCents / orders),
  };
}
