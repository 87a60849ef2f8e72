// Customer lifetime value: revenue, purchases, orders, first and last purchase, average order
// value. An order is a distinct non-empty session with a purchase; a purchase without a session
// is an order of its own. No window: late purchases count too.
import type { ShopEvent } from '../../core/event.ts';
import type { CustomerRow } from '../../core/result-rows.ts';

export interface CustomerValue {
  revenueCents: number;
  purchases: number;
  sessions: Set<string>;
  sessionlessOrders: number;
  firstPurchaseAt: number;
  lastPurchaseAt: number;
}

/** What a customer's value reads as: the customer_lifetime_value row without its key and version. */
export type CustomerValueResult = Omit<CustomerRow, 'userId' | 'version'>;

export function emptyCustomerValue(): CustomerValue {
  return {
    revenueCents: 0,
    purchases: 0,
    sessions: new Set(),
    sessionlessOrders: 0,
    firstPurchaseAt: Number.POSITIVE_INFINITY,
    lastPurchaseAt: Number.NEGATIVE_INFINITY,
  };
}

export function addPurchase(acc: CustomerValue, e: ShopEvent): void {
  acc.revenueCents += e.price_cents;
  acc.purchases += 1;
  if (e.user_session) acc.sessions.add(e.user_session);
  else acc.sessionlessOrders += 1;
  if (e.event_time < acc.firstPurchaseAt) acc.firstPurchaseAt = e.event_time;
  if (e.event_time > acc.lastPurchaseAt) acc.lastPurchaseAt = e.event_time;
}

export function customerValueResult(acc: CustomerValue): CustomerValueResult {
  const orders = acc.sessions.size + acc.sessionlessOrders;
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
