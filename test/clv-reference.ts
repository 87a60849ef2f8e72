// An independent answer for the predictive lifetime value: the orders and customer summaries
// straight from the CSV text, written without the store's SQL or the engine's summary code, to
// check `clv fit` and `clv evaluate`. An order is a distinct non-empty session with a purchase (a
// purchase without a session is one of its own); its time is its first purchase's, its value the
// sum of its purchases' prices; exact duplicate lines count once. Orders at the same second: the
// smaller value first. Imports no vitest.
import { readFileSync } from 'node:fs';

const DAY_MS = 86_400_000;

interface Purchase {
  ms: number;
  cents: number;
  userId: string;
  session: string;
}

export interface ReferenceOrder {
  ms: number;
  cents: number;
}

/** A customer summary as the models read it (Fader, Hardie & Lee 2005): x, t_x, T in days, z̄. */
export interface ReferenceSummary {
  frequency: number;
  recencyDays: number;
  ageDays: number;
  avgRepeatOrderValue: number;
}

/** The valid purchase lines of generated files (no quoting), each exact duplicate once. */
export function purchasesOfCsv(files: readonly string[]): Purchase[] {
  const seen = new Set<string>();
  const purchases: Purchase[] = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cells = line.split(',');
      if (cells.length !== 9 || cells[1] !== 'purchase' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/.test(cells[0]!) || !/^\d+(\.\d\d?)?$/.test(cells[6]!)) continue;
      if (seen.has(line)) continue;
      seen.add(line);
      const [whole, fraction = ''] = cells[6]!.split('.');
      purchases.push({
        ms: Date.parse(cells[0]!.replace(' UTC', 'Z').replace(' ', 'T')),
        cents: Number(whole) * 100 + Number(fraction.padEnd(2, '0')),
        userId: cells[7]!,
        session: cells[8]!,
      });
    }
  }
  return purchases;
}

/** Per customer, the orders of the purchases before `beforeMs`, in time order. */
export function ordersBefore(purchases: readonly Purchase[], beforeMs: number): Map<string, ReferenceOrder[]> {
  const sessions = new Map<string, ReferenceOrder>();
  const orders = new Map<string, ReferenceOrder[]>();
  const add = (userId: string, order: ReferenceOrder) => orders.set(userId, [...(orders.get(userId) ?? []), order]);
  for (const p of purchases) {
    if (p.ms >= beforeMs) continue;
    if (p.session === '') {
      add(p.userId, { ms: p.ms, cents: p.cents });
      continue;
    }
    const key = `${p.userId}\n${p.session}`;
    const order = sessions.get(key);
    if (order) {
      order.ms = Math.min(order.ms, p.ms);
      order.cents += p.cents;
    } else {
      const created = { ms: p.ms, cents: p.cents };
      sessions.set(key, created);
      add(p.userId, created);
    }
  }
  for (const list of orders.values()) list.sort((a, b) => a.ms - b.ms || a.cents - b.cents);
  return orders;
}

/** The summary of one customer's orders (time order, at least one) at `asOf`. */
export function referenceSummary(orders: readonly ReferenceOrder[], asOf: number): ReferenceSummary {
  const first = orders[0]!;
  const last = orders[orders.length - 1]!;
  const repeat = orders.slice(1);
  return {
    frequency: repeat.length,
    recencyDays: (last.ms - first.ms) / DAY_MS,
    ageDays: (asOf - first.ms) / DAY_MS,
    avgRepeatOrderValue: repeat.length > 0 ? repeat.reduce((sum, o) => sum + o.cents, 0) / 100 / repeat.length : 0,
  };
}
