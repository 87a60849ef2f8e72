// One session's summary (an incremental aggregate: create / add / merge): counts by event type,
// cart and purchase value, and per product carted or purchased the facts abandonment needs. Two
// sessions an event bridges merge by adding their summaries, never by recounting their events.
import type { ShopEvent } from '../../core/event.ts';
import type { Window } from '../window.ts';
import { cover } from '../window.ts';

/** A product's part in a session. */
export interface ProductInSession {
  carts: number;
  purchased: boolean;
  /** The latest cart event: its event time, its input offset (ties), its price. */
  lastCartAt: number;
  lastCartOffset: number;
  lastCartPriceCents: number;
}

export interface SessionSummary {
  /** [first event time, last event time + gap). */
  window: Window;
  userId: bigint;
  userSession: string;
  events: number;
  views: number;
  carts: number;
  removals: number;
  purchases: number;
  cartValueCents: number;
  purchaseValueCents: number;
  products: Map<bigint, ProductInSession>;
  /** Content keys of its events: an exact duplicate counts once. */
  seen: Set<string>;
  /**
   * Emitted and final: only its window is kept (counts, products and content keys freed), for as
   * long as an event on time for its own window could still fall inside it and must be late.
   */
  closed: boolean;
}

export function emptySession(window: Window, userId: bigint, userSession: string): SessionSummary {
  return { window, userId, userSession, events: 0, views: 0, carts: 0, removals: 0, purchases: 0, cartValueCents: 0, purchaseValueCents: 0, products: new Map(), seen: new Set(), closed: false };
}

/** Adds an event at input `offset` whose window is [start, end) (the caller has checked it is no duplicate). */
export function addToSession(acc: SessionSummary, e: ShopEvent, key: string, start: number, end: number, offset: number): void {
  if (acc.closed) throw new Error('an event was added to a closed session');
  if (start < acc.window.start) acc.window.start = start;
  if (end > acc.window.end) acc.window.end = end;
  acc.seen.add(key);
  acc.events += 1;
  switch (e.event_type) {
    case 'view':
      acc.views += 1;
      break;
    case 'cart': {
      acc.carts += 1;
      acc.cartValueCents += e.price_cents;
      const p = productOf(acc, e.product_id);
      p.carts += 1;
      if (e.event_time > p.lastCartAt || (e.event_time === p.lastCartAt && offset > p.lastCartOffset)) {
        p.lastCartAt = e.event_time;
        p.lastCartOffset = offset;
        p.lastCartPriceCents = e.price_cents;
      }
      break;
    }
    case 'remove_from_cart':
      acc.removals += 1;
      break;
    case 'purchase':
      acc.purchases += 1;
      acc.purchaseValueCents += e.price_cents;
      productOf(acc, e.product_id).purchased = true;
      break;
  }
}

function productOf(acc: SessionSummary, productId: bigint): ProductInSession {
  let p = acc.products.get(productId);
  if (!p) acc.products.set(productId, (p = { carts: 0, purchased: false, lastCartAt: Number.NEGATIVE_INFINITY, lastCartOffset: -1, lastCartPriceCents: 0 }));
  return p;
}

/** `from` merged into `into` (sessions of one key whose windows overlap). */
export function mergeSessions(into: SessionSummary, from: SessionSummary): SessionSummary {
  into.window = cover(into.window, from.window);
  into.events += from.events;
  into.views += from.views;
  into.carts += from.carts;
  into.removals += from.removals;
  into.purchases += from.purchases;
  into.cartValueCents += from.cartValueCents;
  into.purchaseValueCents += from.purchaseValueCents;
  for (const key of from.seen) into.seen.add(key);
  for (const [productId, p] of from.products) {
    const q = into.products.get(productId);
    if (!q) {
      into.products.set(productId, p);
      continue;
    }
    q.carts += p.carts;
    q.purchased ||= p.purchased;
    if (p.lastCartAt > q.lastCartAt || (p.lastCartAt === q.lastCartAt && p.lastCartOffset > q.lastCartOffset)) {
      q.lastCartAt = p.lastCartAt;
      q.lastCartOffset = p.lastCartOffset;
      q.lastCartPriceCents = p.lastCartPriceCents;
    }
  }
  return into;
}

/** A product carted and not purchased in the session, with the price of its latest cart event. */
export function isAbandoned(p: ProductInSession): boolean {
  return p.carts > 0 && !p.purchased;
}
