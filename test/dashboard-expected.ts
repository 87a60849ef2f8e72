// What the dashboard API should answer, computed from the independent reducer's output
// (test/reference.ts) and the CSV lines themselves with plain loops: the other side of
// the dashboard-api-*.test.ts files.
import { readFileSync } from 'node:fs';
import type { ExpectedSales, Reference } from './reference.ts';

/** One valid line of a generated slice (no quoting: it splits on commas). */
export interface RawRow {
  line: string;
  time: number;
  type: string;
  product: string;
  code: string;
  brand: string;
  cents: number;
  user: string;
  session: string;
}

/** Every valid line of the files, exact duplicates included (the archive keeps each line). */
export function rawRows(files: string[]): RawRow[] {
  const out: RawRow[] = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const c = line.split(',');
      if (c.length !== 9 || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/.test(c[0]!) || !/^\d+(\.\d\d?)?$/.test(c[6]!)) continue;
      const [whole, frac = ''] = c[6]!.split('.');
      out.push({
        line,
        time: Date.parse(`${c[0]!.slice(0, 10)}T${c[0]!.slice(11, 19)}Z`),
        type: c[1]!,
        product: c[2]!,
        code: c[4]!,
        brand: c[5]!,
        cents: Number(whole) * 100 + Number(frac.padEnd(2, '0')),
        user: c[7]!,
        session: c[8]!,
      });
    }
  }
  return out;
}

/** The most frequent non-empty value; ties to the alphabetically first; '' when none. */
function mostFrequent(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? '';
}

export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
export const byId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

export class ExpectedDashboard {
  /** [windowStartMs, productId, sales] */
  readonly rows: Array<[number, string, ExpectedSales]>;

  constructor(
    private readonly reference: Reference,
    private readonly raw: RawRow[] = [],
  ) {
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
      .map(([pid, s]) => ({ product_id: pid, ...this.label(pid), revenue: s.revenueCents / 100, purchases: s.purchases, views: s.views, carts: s.carts, removals: s.removals }));
  }

  /** A product's most frequent brand and category code over every line of it. */
  label(product: string): { brand: string; category_code: string } {
    const rows = this.raw.filter((r) => r.product === product);
    return { brand: mostFrequent(rows.map((r) => r.brand)), category_code: mostFrequent(rows.map((r) => r.code)) };
  }

  /** The newest event time of the files. */
  newestEvent(): number {
    return Math.max(...this.raw.map((r) => r.time));
  }

  /**
   * The KPI tiles of [from, to): revenue, purchases and views of the windows starting in it;
   * orders and buyers of the purchase lines in it, exact duplicates once.
   */
  kpis(from: number, to: number, products?: Set<string>) {
    let cents = 0;
    let purchases = 0;
    let views = 0;
    for (const [ws, pid, s] of this.rows) {
      if (ws < from || ws >= to || (products && !products.has(pid))) continue;
      cents += s.revenueCents;
      purchases += s.purchases;
      views += s.views;
    }
    const bought = this.raw.filter((r) => r.type === 'purchase' && r.time >= from && r.time < to && (!products || products.has(r.product)));
    const sessions = new Set(bought.filter((r) => r.session !== '').map((r) => `${r.user}|${r.session}`));
    const loose = new Set(bought.filter((r) => r.session === '').map((r) => r.line));
    const orders = sessions.size + loose.size;
    return {
      revenue: cents / 100,
      orders,
      buyers: new Set(bought.map((r) => r.user)).size,
      purchases,
      views,
      avg_order_value: orders === 0 ? 0 : Math.round(cents / orders) / 100,
      conversion: views === 0 ? 0 : purchases / views,
    };
  }

  /** Revenue and purchases per bucket (60 or 3600 s) of window start over [from, to), empty ones as zero. */
  revenueSeries(from: number, to: number, stepMs: number, products?: Set<string>) {
    const sums = new Map<number, { cents: number; purchases: number }>();
    for (const [ws, pid, s] of this.rows) {
      if (ws < from || ws >= to || (products && !products.has(pid))) continue;
      const b = Math.floor(ws / stepMs) * stepMs;
      const t = sums.get(b) ?? { cents: 0, purchases: 0 };
      t.cents += s.revenueCents;
      t.purchases += s.purchases;
      sums.set(b, t);
    }
    const out = [];
    for (let b = Math.floor(from / stepMs) * stepMs; b < to; b += stepMs) {
      out.push({ start: iso(b), revenue: (sums.get(b)?.cents ?? 0) / 100, purchases: sums.get(b)?.purchases ?? 0 });
    }
    return out;
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
