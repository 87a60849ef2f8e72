import { describe, expect, it } from 'vitest';
import { addPurchase, customerValueResult, emptyCustomerValue, RECENT_SESSIONS } from './customer-value.ts';
import { BASE, sec, eventFactory } from '../../test/fixtures.ts';

const purchase = eventFactory({ event_time: BASE, event_type: 'purchase', product_id: 1n, category_id: 1602943681873052386n, category_code: null, brand: null, price_cents: 1_000, user_id: 7n, user_session: 's1' });

describe('customer lifetime value', () => {
  it('no purchases: zero orders and a zero average', () => {
    const r = customerValueResult(emptyCustomerValue());
    expect(r.orders).toBe(0);
    expect(r.purchases).toBe(0);
    expect(r.avgOrderValueCents).toBe(0);
  });

  it('two purchases in one session are one order', () => {
    const acc = emptyCustomerValue();
    addPurchase(acc, purchase({ user_session: 'a', price_cents: 1_000 }));
    addPurchase(acc, purchase({ user_session: 'a', price_cents: 500, product_id: 2n }));
    const r = customerValueResult(acc);
    expect(r.purchases).toBe(2);
    expect(r.orders).toBe(1);
    expect(r.revenueCents).toBe(1_500);
    expect(r.avgOrderValueCents).toBe(1_500);
  });

  it('each purchase with a null or empty session is an order of its own', () => {
    const acc = emptyCustomerValue();
    addPurchase(acc, purchase({ user_session: null, price_cents: 100 }));
    addPurchase(acc, purchase({ user_session: null, price_cents: 100 }));
    addPurchase(acc, purchase({ user_session: '', price_cents: 100 }));
    addPurchase(acc, purchase({ user_session: 'x', price_cents: 100 }));
    addPurchase(acc, purchase({ user_session: 'x', price_cents: 100 }));
    addPurchase(acc, purchase({ user_session: 'y', price_cents: 100 }));
    const r = customerValueResult(acc);
    expect(r.purchases).toBe(6);
    expect(r.orders).toBe(5); // 3 session-less + sessions x and y
    expect(r.revenueCents).toBe(600);
    expect(r.avgOrderValueCents).toBe(120);
  });

  it('average order value is revenue / orders rounded to the cent', () => {
    const acc = emptyCustomerValue();
    addPurchase(acc, purchase({ user_session: 'a', price_cents: 1_000 }));
    addPurchase(acc, purchase({ user_session: 'b', price_cents: 1_000 }));
    addPurchase(acc, purchase({ user_session: 'c', price_cents: 0 }));
    expect(customerValueResult(acc).avgOrderValueCents).toBe(667); // 2000 / 3 = 666.67

    const half = emptyCustomerValue();
    addPurchase(half, purchase({ user_session: 'a', price_cents: 1_000 }));
    addPurchase(half, purchase({ user_session: 'b', price_cents: 1 }));
    expect(customerValueResult(half).avgOrderValueCents).toBe(501); // 1001 / 2 = 500.5, half up

    const down = emptyCustomerValue();
    addPurchase(down, purchase({ user_session: 'a', price_cents: 1_000 }));
    addPurchase(down, purchase({ user_session: 'b', price_cents: 0 }));
    addPurchase(down, purchase({ user_session: 'c', price_cents: 0 }));
    expect(customerValueResult(down).avgOrderValueCents).toBe(333); // 333.33
  });

  it('first and last purchase are the min and max event time, whatever the arrival order', () => {
    const acc = emptyCustomerValue();
    addPurchase(acc, purchase({ event_time: sec(50) }));
    addPurchase(acc, purchase({ event_time: sec(10) }));
    addPurchase(acc, purchase({ event_time: sec(90) }));
    addPurchase(acc, purchase({ event_time: sec(30) }));
    const r = customerValueResult(acc);
    expect(r.firstPurchaseAt).toBe(sec(10));
    expect(r.lastPurchaseAt).toBe(sec(90));
  });
});

describe('orders with a bounded memory of sessions', () => {
  it('counts a session again only after RECENT_SESSIONS other sessions were used since', () => {
    const acc = emptyCustomerValue();
    addPurchase(acc, purchase({ user_session: 's0' }));
    for (let i = 1; i <= RECENT_SESSIONS - 1; i++) addPurchase(acc, purchase({ user_session: `s${i}` }));
    // s0 is still among the recent ones: the same order.
    addPurchase(acc, purchase({ user_session: 's0' }));
    expect(customerValueResult(acc).orders).toBe(RECENT_SESSIONS);
    // Using s0 made it the most recent: RECENT_SESSIONS - 1 new sessions later it is still known.
    for (let i = RECENT_SESSIONS; i < 2 * RECENT_SESSIONS - 1; i++) addPurchase(acc, purchase({ user_session: `s${i}` }));
    addPurchase(acc, purchase({ user_session: 's0' }));
    expect(customerValueResult(acc).orders).toBe(2 * RECENT_SESSIONS - 1);
    // RECENT_SESSIONS other sessions later it is forgotten, and counts as a new order.
    for (let i = 2 * RECENT_SESSIONS - 1; i < 3 * RECENT_SESSIONS - 1; i++) addPurchase(acc, purchase({ user_session: `s${i}` }));
    addPurchase(acc, purchase({ user_session: 's0' }));
    expect(customerValueResult(acc).orders).toBe(3 * RECENT_SESSIONS);
    expect(acc.recentSessions).toHaveLength(RECENT_SESSIONS);
  });

  it('holds at most RECENT_SESSIONS sessions however many orders a customer places', () => {
    const acc = emptyCustomerValue();
    for (let i = 0; i < 1_000; i++) addPurchase(acc, purchase({ user_session: `order-${i}` }));
    expect(customerValueResult(acc).orders).toBe(1_000);
    expect(acc.recentSessions).toEqual(Array.from({ length: RECENT_SESSIONS }, (_, i) => `order-${1_000 - RECENT_SESSIONS + i}`));
  });
});
