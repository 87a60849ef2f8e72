import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsRemovedAfterAll } from './helpers.ts';
import { abandonedProducts, abandonmentPerHour, sessionsOfCsv, type ExpectedSession } from './session-reference.ts';

const HEADER = 'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session';
const tempDir = tempDirsRemovedAfterAll('session-ref');
const GAP = 60_000;
const T0 = Date.parse('2019-10-01T10:00:00Z');

/** A CSV row `seconds` after T0. */
function row(seconds: number, type: string, product: number, price: string, user: number, session: string): string {
  const time = `${new Date(T0 + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return `${time},${type},${product},2053013555631882655,,runail,${price},${user},${session}`;
}

/** One file per list of rows, in the given order. */
function files(...slices: string[][]): string[] {
  const dir = tempDir();
  return slices.map((rows, i) => {
    const path = join(dir, `slice-${i}.csv`);
    writeFileSync(path, `${HEADER}\n${rows.join('\n')}\n`);
    return path;
  });
}

const spans = (sessions: ExpectedSession[]) => sessions.map((s) => [s.userSession, (s.start - T0) / 1000, (s.end - T0) / 1000, s.events]);

describe('sessionsOfCsv', () => {
  it('starts a new session for an event exactly the gap after the last one, and not for one a second earlier', () => {
    const { sessions } = sessionsOfCsv(files([row(0, 'view', 1, '1.00', 5, 'a'), row(60, 'view', 1, '1.00', 5, 'a'), row(0, 'view', 1, '1.00', 5, 'b'), row(59, 'view', 1, '1.00', 5, 'b')]), GAP);
    expect(spans(sessions)).toEqual([
      ['a', 0, 0, 1],
      ['a', 60, 60, 1],
      ['b', 0, 59, 2],
    ]);
  });

  it('cuts by the gap after the previous event, not after the session start', () => {
    const { sessions } = sessionsOfCsv(files([0, 50, 100, 150, 210].map((s) => row(s, 'view', 1, '1.00', 5, 'a'))), GAP);
    expect(spans(sessions)).toEqual([
      ['a', 0, 150, 4],
      ['a', 210, 210, 1],
    ]);
  });

  it('merges two sessions through an out-of-order row in a later file that falls within the gap of both', () => {
    const apart = [row(0, 'view', 1, '1.00', 5, 'a'), row(100, 'view', 1, '1.00', 5, 'a')];
    expect(spans(sessionsOfCsv(files(apart), GAP).sessions)).toEqual([
      ['a', 0, 0, 1],
      ['a', 100, 100, 1],
    ]);
    const bridged = sessionsOfCsv(files(apart, [row(50, 'view', 1, '1.00', 5, 'a')]), GAP).sessions;
    expect(spans(bridged)).toEqual([['a', 0, 100, 3]]);
  });

  it('groups events without a user_session by user_id, apart from that user’s named sessions', () => {
    const { sessions } = sessionsOfCsv(files([row(0, 'view', 1, '1.00', 7, ''), row(30, 'cart', 1, '1.00', 7, ''), row(10, 'view', 1, '1.00', 7, 's'), row(20, 'view', 1, '1.00', 8, '')]), GAP);
    expect(sessions.map((s) => [s.sessionKey, s.userId, s.userSession, s.events])).toEqual([
      ['user:7', '7', '', 2],
      ['s', '7', 's', 1],
      ['user:8', '8', '', 1],
    ]);
  });

  it('counts exact duplicates once (the same price written differently is the same content), near duplicates twice', () => {
    const cart = row(5, 'cart', 1, '2.50', 5, 'a');
    const { sessions, products } = sessionsOfCsv(files([cart, row(5, 'cart', 1, '2.5', 5, 'a'), row(5, 'cart', 1, '2.60', 5, 'a')], [cart]), GAP);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ events: 2, carts: 2, cartValueCents: 510, productsCarted: 1 });
    expect(products.map((p) => p.carts)).toEqual([2]);
  });

  it('values an abandoned product at its latest cart price and leaves out a product carted then purchased', () => {
    const { sessions, products } = sessionsOfCsv(
      files([
        row(0, 'cart', 1, '1.00', 5, 'a'),
        row(10, 'cart', 2, '4.00', 5, 'a'),
        row(20, 'view', 1, '1.00', 5, 'a'),
        row(30, 'remove_from_cart', 1, '1.00', 5, 'a'),
        row(40, 'purchase', 2, '4.00', 5, 'a'),
        // The same product and time at another price: the later row in input order is the latest.
        row(45, 'cart', 1, '2.00', 5, 'a'),
        row(45, 'cart', 1, '2.50', 5, 'a'),
      ]),
      GAP,
    );
    expect(sessions).toEqual([
      {
        sessionKey: 'a',
        userId: '5',
        userSession: 'a',
        start: T0,
        end: T0 + 45_000,
        events: 7,
        views: 1,
        carts: 4,
        removals: 1,
        purchases: 1,
        cartValueCents: 100 + 400 + 200 + 250,
        purchaseValueCents: 400,
        productsCarted: 2,
        productsPurchased: 1,
        abandoned: 0,
        abandonedValueCents: 250,
      },
    ]);
    const identity = { userId: '5', userSession: 'a', start: T0, end: T0 + 45_000 };
    expect(products).toEqual([
      { ...identity, productId: '1', carts: 3, purchased: 0, abandoned: 1, abandonedValueCents: 250 },
      { ...identity, productId: '2', carts: 1, purchased: 1, abandoned: 0, abandonedValueCents: 0 },
    ]);
  });

  it('marks a session with carts and no purchase abandoned, and one with purchases only not', () => {
    const { sessions, products } = sessionsOfCsv(
      files([row(0, 'cart', 3, '9.99', 5, 'carts'), row(20, 'cart', 4, '0.01', 5, 'carts'), row(0, 'purchase', 3, '9.99', 6, 'buys'), row(30, 'purchase', 4, '0.01', 6, 'buys')]),
      GAP,
    );
    expect(sessions.map((s) => [s.sessionKey, s.carts, s.purchases, s.purchaseValueCents, s.productsCarted, s.productsPurchased, s.abandoned, s.abandonedValueCents])).toEqual([
      ['carts', 2, 0, 0, 2, 0, 1, 1000],
      ['buys', 0, 2, 1000, 0, 2, 0, 0],
    ]);
    expect(products.map((p) => [p.userSession, p.productId, p.abandoned])).toEqual([
      ['carts', '3', 1],
      ['carts', '4', 1],
    ]);
  });
});

describe('abandonment per hour and per product', () => {
  it('counts sessions by the hour of their end, the rate over sessions with a cart, and products over their sessions', () => {
    const { sessions, products } = sessionsOfCsv(
      files([
        row(0, 'cart', 1, '1.00', 5, 'a'),
        row(100, 'view', 2, '1.00', 9, 'e'),
        row(3590, 'cart', 1, '3.00', 6, 'b'),
        row(3600, 'purchase', 1, '3.00', 6, 'b'),
        row(3600, 'view', 2, '1.00', 7, 'c'),
        row(3700, 'cart', 2, '2.00', 8, 'd'),
      ]),
      GAP,
    );
    const hour = T0 + 3_600_000;
    expect(abandonmentPerHour(sessions)).toEqual([
      { hour: T0, sessions: 2, sessionsWithCart: 1, sessionsWithPurchase: 0, abandoned: 1, abandonmentRate: 1, abandonedValueCents: 100 },
      { hour, sessions: 3, sessionsWithCart: 2, sessionsWithPurchase: 1, abandoned: 1, abandonmentRate: 0.5, abandonedValueCents: 200 },
    ]);
    expect(abandonedProducts(products)).toEqual([
      { productId: '1', sessionsCarted: 2, sessionsAbandoned: 1, abandonedValueCents: 100 },
      { productId: '2', sessionsCarted: 1, sessionsAbandoned: 1, abandonedValueCents: 200 },
    ]);
  });
});
