// What the dashboard API should answer, computed from the independent reducer's output
// (test/reference.ts) with plain loops: the other side of test/integration/dashboard-api.test.ts.
import type { ExpectedSales, Reference } from './reference.ts';

export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
export const byId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

export class ExpectedDashboard {
  /** [windowStartMs, productId, sales] */
  readonly rows: Array<[number, string, ExpectedSales]>;

  constructor(private readonly reference: Reference) {
    this.rows = [...reference.sales].map(([key, s]) => {
      const [ws, pid] = key.split('|') as [string, string];
      return [Number(ws) * 1000, pid, s];
    });
  }

  windowStarts(): number[] {
    return [...new Set(this.rows.map(([ws]) => ws))].sort((a, b) => a - b);
  }

  /** Sums per product, ordered by revenue, purchases, views (descending), then id. */
  top(inRange: (ws: number) => boolean, limit: number, products?: Set<string>) {
    const sums = new Map<string, ExpectedSales>();
    for (const [ws, pid, s] of this.rows) {
      if (!inRange(ws) || (products && !products.has(pid))) continue;
      const t = sums.get(pid) ?? { revenueCents: 0, purchases: 0, views: 0, carts: 0, removals: 0 };
      t.revenueCents += s.revenueCents;
      t.purchases += s.purchases;
      t.views += s.views;
      t.carts += s.carts;
      t.removals += s.removals;
      sums.set(pid, t);
    }
    return [...sums]
      .sort(([pa, a], [pb, b]) => b.revenueCents - a.revenueCents || b.purchases - a.purchases || b.views - a.views || byId(pa, pb))
      .slice(0, limit)
      .map(([pid, s]) => ({ product_id: pid, revenue: s.revenueCents / 100, purchases: s.purchases, views: s.views, carts: s.carts, removals: s.removals }));
  }

  /** The product seen in the most windows. */
  busiestProduct(): string {
    const windows = new Map<string, number>();
    for (const [, pid] of this.rows) windows.set(pid, (windows.get(pid) ?? 0) + 1);
    return [...windows].sort((a, b) => b[1] - a[1] || byId(a[0], b[0]))[0]![0];
  }

  series(product: string, from: number, to: number) {
    return this.rows
      .filter(([ws, pid]) => pid === product && ws >= from && ws < to)
      .sort((a, b) => a[0] - b[0])
      .map(([ws, , s]) => ({ window_start: iso(ws), revenue: s.revenueCents / 100, purchases: s.purchases, views: s.views }));
  }

  /** Every minute of [from, to), empty ones as zero (1-minute windows); only `products` if given. */
  perMinute(from: number, to: number, products?: Set<string>) {
    const out = [];
    for (let m = from; m < to; m += 60_000) {
      const inMinute = this.rows.filter(([ws, pid]) => ws === m && (!products || products.has(pid)));
      out.push({
        minute: iso(m),
        revenue: inMinute.reduce((n, [, , s]) => n + s.revenueCents, 0) / 100,
        purchases: inMinute.reduce((n, [, , s]) => n + s.purchases, 0),
      });
    }
    return out;
  }

  funnel(keep: (ws: number) => boolean, products?: Set<string>) {
    const t = { views: 0, carts: 0, purchases: 0 };
    for (const [ws, pid, s] of this.rows) {
      if (!keep(ws) || (products && !products.has(pid))) continue;
      t.views += s.views;
      t.carts += s.carts;
      t.purchases += s.purchases;
    }
    return { ...t, view_to_cart: t.carts / t.views, cart_to_purchase: t.purchases / t.carts, view_to_purchase: t.purchases / t.views };
  }

  private customers() {
    return [...this.reference.customers].sort(([ua, a], [ub, b]) => b.revenueCents - a.revenueCents || byId(ua, ub));
  }

  leaderboard(limit: number) {
    return this.customers()
      .slice(0, limit)
      .map(([user, c]) => ({
        user_id: user,
        revenue: c.revenueCents / 100,
        purchases: c.purchases,
        orders: c.orders,
        avg_order_value: c.avgCents / 100,
        first_purchase_at: iso(c.first),
        last_purchase_at: iso(c.last),
      }));
  }

  /** Equal buckets of whole cents from 0 to just above the highest lifetime revenue. */
  distribution(buckets: number) {
    const customers = this.customers();
    const maxCents = Math.max(...customers.map(([, c]) => c.revenueCents));
    const width = Math.max(1, Math.ceil((maxCents + 1) / buckets));
    const users = new Array<number>(buckets).fill(0);
    for (const [, c] of customers) users[Math.min(buckets - 1, Math.floor(c.revenueCents / width))]! += 1;
    return users.map((n, i) => ({ lower: (i * width) / 100, upper: ((i + 1) * width) / 100, users: n }));
  }
}
