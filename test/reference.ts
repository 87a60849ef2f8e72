// An independent answer: a straightforward reducer over the CSV text, written without the
// engine's code, to check what the pipeline put into ClickHouse.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Store } from '../aggregates/store.ts';
import { queryRows } from '../aggregates/query-rows.ts';

export interface ExpectedSales {
  revenueCents: number;
  purchases: number;
  views: number;
  carts: number;
  removals: number;
}

export interface ExpectedCustomer {
  revenueCents: number;
  purchases: number;
  orders: number;
  first: number;
  last: number;
  avgCents: number;
}

export interface Reference {
  /** "windowStartSeconds|productId" */
  sales: Map<string, ExpectedSales>;
  customers: Map<string, ExpectedCustomer>;
  validRows: number;
}

/** Generated files only (no quoting): every line splits on commas. `late` lines skip windows. */
export function reduceCsv(files: string[], late: Set<string>, windowMs = 60_000): Reference {
  const seen = new Set<string>();
  const sales = new Map<string, ExpectedSales>();
  const purchases = new Map<string, Array<{ cents: number; time: number; session: string }>>();
  let validRows = 0;
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
    for (const line of lines) {
      const cells = line.split(',');
      if (cells.length !== 9 || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/.test(cells[0]!) || !/^\d+(\.\d\d?)?$/.test(cells[6]!)) continue;
      validRows += 1;
      if (seen.has(line)) continue;
      seen.add(line);
      const [time, type, product, , , , price, user, session] = cells as [string, string, string, string, string, string, string, string, string];
      const ms = Date.parse(time.replace(' UTC', 'Z').replace(' ', 'T'));
      const [whole, frac = ''] = price.split('.');
      const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
      if (type === 'purchase') {
        const list = purchases.get(user) ?? [];
        list.push({ cents, time: ms, session });
        purchases.set(user, list);
      }
      if (late.has(line)) continue;
      const key = `${Math.floor(ms / windowMs) * (windowMs / 1000)}|${product}`;
      const s = sales.get(key) ?? { revenueCents: 0, purchases: 0, views: 0, carts: 0, removals: 0 };
      if (type === 'purchase') {
        s.purchases += 1;
        s.revenueCents += cents;
      } else if (type === 'view') s.views += 1;
      else if (type === 'cart') s.carts += 1;
      else if (type === 'remove_from_cart') s.removals += 1;
      sales.set(key, s);
    }
  }
  const customers = new Map<string, ExpectedCustomer>();
  for (const [user, list] of purchases) {
    const sessions = new Set(list.filter((p) => p.session !== '').map((p) => p.session));
    const orders = sessions.size + list.filter((p) => p.session === '').length;
    const revenueCents = list.reduce((n, p) => n + p.cents, 0);
    customers.set(user, {
      revenueCents,
      purchases: list.length,
      orders,
      first: Math.min(...list.map((p) => p.time)),
      last: Math.max(...list.map((p) => p.time)),
      avgCents: Math.round(revenueCents / orders),
    });
  }
  return { sales, customers, validRows };
}

export const cents = (decimal: string | number) => Math.round(Number(decimal) * 100);

/**
 * sales_per_product (1-minute windows) and customer_lifetime_value of the store equal the
 * reference, row by row; with `final`, every window must be closed.
 */
export async function expectAggregatesMatchReference(store: Store, reference: Reference, options: { final: boolean }): Promise<void> {
  const db = store.database;
  const sales = await queryRows<{ ws: string; pid: string; revenue: string; purchases: string; views: string; carts: string; removals: string; is_final: number; we: string }>(
    store,
    `SELECT toUnixTimestamp(window_start) AS ws, toUnixTimestamp(window_end) AS we, toString(product_id) AS pid,
            toString(revenue) AS revenue, purchases, views, carts, removals, is_final FROM ${db}.sales_per_product`,
  );
  expect(sales.length).toBe(reference.sales.size);
  for (const row of sales) {
    if (options.final) expect(row.is_final).toBe(1);
    expect(Number(row.we) - Number(row.ws)).toBe(60);
    const want = reference.sales.get(`${row.ws}|${row.pid}`);
    expect(want, `${row.ws}|${row.pid}`).toBeDefined();
    expect({
      revenueCents: cents(row.revenue),
      purchases: Number(row.purchases),
      views: Number(row.views),
      carts: Number(row.carts),
      removals: Number(row.removals),
    }).toEqual(want);
  }

  const customers = await queryRows<{ uid: string; revenue: string; purchases: string; orders: string; first: string; last: string; aov: string }>(
    store,
    `SELECT toString(user_id) AS uid, toString(revenue) AS revenue, purchases, orders, toUnixTimestamp(first_purchase_at) AS first,
            toUnixTimestamp(last_purchase_at) AS last, toString(avg_order_value) AS aov FROM ${db}.customer_lifetime_value`,
  );
  expect(customers.length).toBe(reference.customers.size);
  for (const c of customers) {
    const want = reference.customers.get(c.uid)!;
    expect(want, c.uid).toBeDefined();
    expect({
      revenueCents: cents(c.revenue),
      purchases: Number(c.purchases),
      orders: Number(c.orders),
      first: Number(c.first) * 1000,
      last: Number(c.last) * 1000,
      avgCents: cents(c.aov),
    }).toEqual(want);
  }

}
