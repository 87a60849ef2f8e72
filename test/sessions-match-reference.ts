// The store's `sessions`, `session_products` and their abandonment views against the independent
// sessionizer of test/session-reference.ts, row by row and column by column.
import { expect } from 'vitest';
import type { Store } from '../aggregates/store.ts';
import { queryRows } from '../aggregates/query-rows.ts';
import { cents } from './reference.ts';
import {
  abandonedProducts,
  abandonmentPerHour,
  byId,
  bySession,
  bySessionProduct,
  type ExpectedAbandonedProduct,
  type ExpectedAbandonmentHour,
  type ExpectedSession,
  type ExpectedSessionProduct,
  type SessionReference,
} from './session-reference.ts';

/** Equal lengths and equal rows; on a difference, the first differing pair. */
function expectSameRows<T>(what: string, actual: T[], expected: T[]): void {
  const at = Array.from({ length: Math.max(actual.length, expected.length) }, (_, i) => i).find(
    (i) => JSON.stringify(actual[i]) !== JSON.stringify(expected[i]),
  );
  if (at === undefined) return;
  expect(actual[at], `${what}: first difference at row ${at} of ${actual.length} (reference: ${expected.length} rows)`).toEqual(expected[at]);
  expect(actual.length, `${what}: row count`).toBe(expected.length);
}

interface SessionRow {
  session_key: string;
  user_id: string;
  user_session: string;
  session_start: string;
  session_end: string;
  events: string;
  views: string;
  carts: string;
  removals: string;
  purchases: string;
  cart_value: string;
  purchase_value: string;
  products_carted: string;
  products_purchased: string;
  abandoned: number;
  abandoned_value: string;
  is_final: number;
}

interface SessionProductRow {
  user_id: string;
  user_session: string;
  session_start: string;
  session_end: string;
  product_id: string;
  carts: string;
  purchased: number;
  abandoned: number;
  abandoned_value: string;
}

/** `sessions` and `session_products` of the store equal the reference, every row and column; every session is final. */
export async function expectSessionsMatchReference(store: Store, reference: SessionReference): Promise<void> {
  const db = store.database;
  const sessionRows = await queryRows<SessionRow>(
    store,
    `SELECT session_key, toString(user_id) AS user_id, user_session, toUnixTimestamp(session_start) AS session_start,
            toUnixTimestamp(session_end) AS session_end, events, views, carts, removals, purchases,
            toString(cart_value) AS cart_value, toString(purchase_value) AS purchase_value, products_carted, products_purchased,
            abandoned, toString(abandoned_value) AS abandoned_value, is_final FROM ${db}.sessions`,
  );
  expect(sessionRows.filter((r) => Number(r.is_final) !== 1), 'sessions not final').toEqual([]);
  const sessions = sessionRows.map(
    (r): ExpectedSession => ({
      sessionKey: r.session_key,
      userId: r.user_id,
      userSession: r.user_session,
      start: Number(r.session_start) * 1000,
      end: Number(r.session_end) * 1000,
      events: Number(r.events),
      views: Number(r.views),
      carts: Number(r.carts),
      removals: Number(r.removals),
      purchases: Number(r.purchases),
      cartValueCents: cents(r.cart_value),
      purchaseValueCents: cents(r.purchase_value),
      productsCarted: Number(r.products_carted),
      productsPurchased: Number(r.products_purchased),
      abandoned: Number(r.abandoned),
      abandonedValueCents: cents(r.abandoned_value),
    }),
  );
  expectSameRows('sessions', sessions.sort(bySession), reference.sessions);

  const productRows = await queryRows<SessionProductRow>(
    store,
    `SELECT toString(user_id) AS user_id, user_session, toUnixTimestamp(session_start) AS session_start,
            toUnixTimestamp(session_end) AS session_end, toString(product_id) AS product_id, carts, purchased, abandoned,
            toString(abandoned_value) AS abandoned_value FROM ${db}.session_products`,
  );
  const products = productRows.map(
    (r): ExpectedSessionProduct => ({
      userId: r.user_id,
      userSession: r.user_session,
      start: Number(r.session_start) * 1000,
      end: Number(r.session_end) * 1000,
      productId: r.product_id,
      carts: Number(r.carts),
      purchased: Number(r.purchased),
      abandoned: Number(r.abandoned),
      abandonedValueCents: cents(r.abandoned_value),
    }),
  );
  expectSameRows('session_products', products.sort(bySessionProduct), reference.products);
}

/** The rate as the store's Float64 prints it and as the reference divides: equal to 12 decimals. */
const rate = (x: number) => Math.round(x * 1e12) / 1e12;

/** `session_abandonment_hourly` and `abandoned_products` of the store equal those derived from the reference. */
export async function expectAbandonmentMatchesReference(store: Store, reference: SessionReference): Promise<void> {
  const db = store.database;
  const hours = await queryRows<Record<string, string | number>>(
    store,
    `SELECT toUnixTimestamp(hour) AS hour, sessions, sessions_with_cart, sessions_with_purchase, abandoned, abandonment_rate,
            toString(abandoned_value) AS abandoned_value FROM ${db}.session_abandonment_hourly`,
  );
  const actualHours = hours.map(
    (r): ExpectedAbandonmentHour => ({
      hour: Number(r.hour) * 1000,
      sessions: Number(r.sessions),
      sessionsWithCart: Number(r.sessions_with_cart),
      sessionsWithPurchase: Number(r.sessions_with_purchase),
      abandoned: Number(r.abandoned),
      abandonmentRate: rate(Number(r.abandonment_rate)),
      abandonedValueCents: cents(r.abandoned_value!),
    }),
  );
  const expectedHours = abandonmentPerHour(reference.sessions).map((h) => ({ ...h, abandonmentRate: rate(h.abandonmentRate) }));
  expectSameRows('session_abandonment_hourly', actualHours.sort((a, b) => a.hour - b.hour), expectedHours);

  const products = await queryRows<Record<string, string | number>>(
    store,
    `SELECT toString(product_id) AS product_id, sessions_carted, sessions_abandoned, toString(abandoned_value) AS abandoned_value
     FROM ${db}.abandoned_products`,
  );
  const actualProducts = products.map(
    (r): ExpectedAbandonedProduct => ({
      productId: String(r.product_id),
      sessionsCarted: Number(r.sessions_carted),
      sessionsAbandoned: Number(r.sessions_abandoned),
      abandonedValueCents: cents(r.abandoned_value!),
    }),
  );
  expectSameRows('abandoned_products', actualProducts.sort((a, b) => byId(a.productId, b.productId)), abandonedProducts(reference.products));
}
