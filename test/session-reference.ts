// An independent answer for the sessions: a straightforward sessionizer over the CSV text,
// written without the engine's code, to check the `sessions` and `session_products` tables.
// Whole input at once: group by identity, sort by time, cut where the gap is reached.
// Imports no vitest, so a script (`npx tsx`) can sessionize a generated set too.
import { readFileSync } from 'node:fs';

/** A row of `sessions`; times in epoch ms, money in cents. */
export interface ExpectedSession {
  sessionKey: string;
  userId: string;
  userSession: string;
  start: number;
  end: number;
  events: number;
  views: number;
  carts: number;
  removals: number;
  purchases: number;
  cartValueCents: number;
  purchaseValueCents: number;
  productsCarted: number;
  productsPurchased: number;
  abandoned: number;
  abandonedValueCents: number;
}

/** A row of `session_products`: one per (session, product with a cart event). */
export interface ExpectedSessionProduct {
  userId: string;
  userSession: string;
  start: number;
  end: number;
  productId: string;
  carts: number;
  purchased: number;
  abandoned: number;
  abandonedValueCents: number;
}

export interface SessionReference {
  sessions: ExpectedSession[];
  products: ExpectedSessionProduct[];
}

/** A row of `session_abandonment_hourly`; `hour` in epoch ms. */
export interface ExpectedAbandonmentHour {
  hour: number;
  sessions: number;
  sessionsWithCart: number;
  sessionsWithPurchase: number;
  abandoned: number;
  abandonmentRate: number;
  abandonedValueCents: number;
}

/** A row of `abandoned_products`. */
export interface ExpectedAbandonedProduct {
  productId: string;
  sessionsCarted: number;
  sessionsAbandoned: number;
  abandonedValueCents: number;
}

interface CsvEvent {
  ms: number;
  type: string;
  productId: string;
  priceCents: number;
  userId: string;
  userSession: string;
  /** The event's content: equal for exact duplicates only. */
  content: string;
}

/** Generated files only (no quoting): every line splits on commas; invalid lines are skipped. */
function readEvents(files: string[]): CsvEvent[] {
  const events: CsvEvent[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
    for (const line of lines) {
      const cells = line.split(',');
      if (cells.length !== 9 || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/.test(cells[0]!) || !/^\d+(\.\d\d?)?$/.test(cells[6]!)) continue;
      const [time, type, productId, category, code, brand, price, userId, userSession] = cells as [string, string, string, string, string, string, string, string, string];
      const ms = Date.parse(time.replace(' UTC', 'Z').replace(' ', 'T'));
      const [whole, frac = ''] = price.split('.');
      const priceCents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
      const content = JSON.stringify([ms, type, productId, category, code, brand, priceCents, userId, userSession]);
      events.push({ ms, type, productId, priceCents, userId, userSession, content });
    }
  }
  return events;
}

/** Events of one identity in time order (input order for ties), cut where an event comes `gapMs` or more after the previous one. */
function cutByGap(events: CsvEvent[], gapMs: number): CsvEvent[][] {
  const sorted = [...events].sort((a, b) => a.ms - b.ms);
  const sessions: CsvEvent[][] = [];
  let current: CsvEvent[] = [];
  for (const e of sorted) {
    if (current.length > 0 && e.ms - current[current.length - 1]!.ms >= gapMs) {
      sessions.push(current);
      current = [];
    }
    current.push(e);
  }
  if (current.length > 0) sessions.push(current);
  return sessions;
}

function summarise(ordered: CsvEvent[]): SessionReference {
  const seen = new Set<string>();
  const events: CsvEvent[] = [];
  for (const e of ordered) {
    if (seen.has(e.content)) continue;
    seen.add(e.content);
    events.push(e);
  }
  const first = events[0]!;
  const start = first.ms;
  const end = events[events.length - 1]!.ms;
  const ofType = (type: string) => events.filter((e) => e.type === type);
  const carts = ofType('cart');
  const purchases = ofType('purchase');
  const purchased = new Set(purchases.map((e) => e.productId));
  // In time order, so the last write per product is its latest cart event.
  const latestCartCents = new Map<string, number>();
  const cartsPerProduct = new Map<string, number>();
  for (const e of carts) {
    latestCartCents.set(e.productId, e.priceCents);
    cartsPerProduct.set(e.productId, (cartsPerProduct.get(e.productId) ?? 0) + 1);
  }
  const identity = { userId: first.userId, userSession: first.userSession, start, end };
  const products = [...cartsPerProduct].map(([productId, n]): ExpectedSessionProduct => {
    const abandoned = purchased.has(productId) ? 0 : 1;
    return { ...identity, productId, carts: n, purchased: 1 - abandoned, abandoned, abandonedValueCents: abandoned ? latestCartCents.get(productId)! : 0 };
  });
  const sumCents = (list: CsvEvent[]) => list.reduce((n, e) => n + e.priceCents, 0);
  const session: ExpectedSession = {
    sessionKey: first.userSession !== '' ? first.userSession : `user:${first.userId}`,
    ...identity,
    events: events.length,
    views: ofType('view').length,
    carts: carts.length,
    removals: ofType('remove_from_cart').length,
    purchases: purchases.length,
    cartValueCents: sumCents(carts),
    purchaseValueCents: sumCents(purchases),
    productsCarted: cartsPerProduct.size,
    productsPurchased: purchased.size,
    abandoned: carts.length > 0 && purchases.length === 0 ? 1 : 0,
    abandonedValueCents: products.reduce((n, p) => n + p.abandonedValueCents, 0),
  };
  return { sessions: [session], products };
}

/** Orders decimal ids (up to 20 digits, no leading zeros) by value; the sessions by their storage key, then product. */
export const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
export const bySession = (a: { userId: string; userSession: string; start: number }, b: { userId: string; userSession: string; start: number }) =>
  byId(a.userId, b.userId) || (a.userSession < b.userSession ? -1 : a.userSession > b.userSession ? 1 : 0) || a.start - b.start;
export const bySessionProduct = (a: ExpectedSessionProduct, b: ExpectedSessionProduct) => bySession(a, b) || byId(a.productId, b.productId);

/** Every final session of the files, and its carted products, sorted by (user_id, user_session, session_start[, product_id]). */
export function sessionsOfCsv(files: string[], gapMs = 1_800_000): SessionReference {
  const identities = new Map<string, CsvEvent[]>();
  for (const e of readEvents(files)) {
    const key = `${e.userId}|${e.userSession}`;
    const list = identities.get(key) ?? [];
    if (list.length === 0) identities.set(key, list);
    list.push(e);
  }
  const sessions: ExpectedSession[] = [];
  const products: ExpectedSessionProduct[] = [];
  for (const events of identities.values()) {
    for (const ordered of cutByGap(events, gapMs)) {
      const s = summarise(ordered);
      sessions.push(...s.sessions);
      products.push(...s.products);
    }
  }
  return { sessions: sessions.sort(bySession), products: products.sort(bySessionProduct) };
}

/** Per hour of session end, as `session_abandonment_hourly` defines it; sorted by hour. */
export function abandonmentPerHour(sessions: ExpectedSession[]): ExpectedAbandonmentHour[] {
  const hours = new Map<number, ExpectedAbandonmentHour>();
  for (const s of sessions) {
    const hour = Math.floor(s.end / 3_600_000) * 3_600_000;
    const h = hours.get(hour) ?? { hour, sessions: 0, sessionsWithCart: 0, sessionsWithPurchase: 0, abandoned: 0, abandonmentRate: 0, abandonedValueCents: 0 };
    h.sessions += 1;
    h.sessionsWithCart += s.carts > 0 ? 1 : 0;
    h.sessionsWithPurchase += s.purchases > 0 ? 1 : 0;
    h.abandoned += s.abandoned;
    h.abandonedValueCents += s.abandonedValueCents;
    hours.set(hour, h);
  }
  for (const h of hours.values()) h.abandonmentRate = h.sessionsWithCart === 0 ? 0 : h.abandoned / h.sessionsWithCart;
  return [...hours.values()].sort((a, b) => a.hour - b.hour);
}

/** Per product over the carted products of the sessions, as `abandoned_products` defines it; sorted by product id. */
export function abandonedProducts(products: ExpectedSessionProduct[]): ExpectedAbandonedProduct[] {
  const totals = new Map<string, ExpectedAbandonedProduct>();
  for (const p of products) {
    const t = totals.get(p.productId) ?? { productId: p.productId, sessionsCarted: 0, sessionsAbandoned: 0, abandonedValueCents: 0 };
    t.sessionsCarted += 1;
    t.sessionsAbandoned += p.abandoned;
    t.abandonedValueCents += p.abandonedValueCents;
    totals.set(p.productId, t);
  }
  return [...totals.values()].sort((a, b) => byId(a.productId, b.productId));
}
