// A checkpoint written by a build before keyed state: the whole partition state as one JSON
// document. Restoring one turns it into the entries and progress of today's checkpoints, so an
// upgrade resumes where the old build stopped (its first checkpoint is then a compaction).
import type { StateEntry } from '../core/checkpoint.ts';
import { RECENT_SESSIONS, withApproximateHistory } from './aggregations/customer-value.ts';
import type { ProductSales } from './aggregations/product-sales.ts';
import { CUSTOMERS } from './operators/customer-value-operator.ts';
import { LATE_EVENTS, WINDOWS } from './operators/window-operator.ts';

interface LegacySnapshot {
  nextOffset: number;
  watermark: unknown;
  windows: {
    windows: Array<{ start: number; end: number; products: Array<[string, ProductSales]>; dirty: string[]; seen: string[] }>;
    lateSeen?: string[];
  };
  customers: {
    users: Array<[string, { revenueCents: number; purchases: number; sessions: string[]; sessionlessOrders: number; firstPurchaseAt: number; lastPurchaseAt: number }]>;
    dirty: string[];
  };
}

export function legacyCheckpoint(json: string): { progress: string; entries: StateEntry[] } {
  const s = JSON.parse(json) as LegacySnapshot;
  const entries: StateEntry[] = [];
  for (const w of s.windows.windows) entries.push({ state: WINDOWS.name, key: String(w.start), value: JSON.stringify(w) });
  (s.windows.lateSeen ?? []).forEach((key, i) => entries.push({ state: LATE_EVENTS.name, key, value: String(i) }));
  for (const [id, v] of s.customers.users) {
    const value = CUSTOMERS.value.encode(withApproximateHistory({
      revenueCents: v.revenueCents,
      purchases: v.purchases,
      orders: v.sessions.length + v.sessionlessOrders,
      recentSessions: v.sessions.slice(-RECENT_SESSIONS),
      firstPurchaseAt: v.firstPurchaseAt,
      lastPurchaseAt: v.lastPurchaseAt,
    }));
    entries.push({ state: CUSTOMERS.name, key: id, value });
  }
  return { progress: JSON.stringify({ watermark: s.watermark, pendingCustomers: s.customers.dirty }), entries };
}
