// How many rows the public tables hold: all of them (a summary), or the side outputs (health).
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';

export interface StoreCounts {
  events: number;
  rejected: number;
  late: number;
  windows: number;
  salesRows: number;
  customers: number;
}

export async function storeCounts(store: Store): Promise<StoreCounts> {
  const db = store.database;
  const [row] = await queryRows<Record<keyof StoreCounts, string>>(
    store,
    `SELECT
       (SELECT count() FROM ${db}.events) AS events,
       (SELECT count() FROM ${db}.rejected_events) AS rejected,
       (SELECT count() FROM ${db}.late_events) AS late,
       (SELECT uniqExact(window_start) FROM ${db}.sales_per_product) AS windows,
       (SELECT count() FROM ${db}.sales_per_product) AS salesRows,
       (SELECT count() FROM ${db}.customer_lifetime_value) AS customers`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)])) as unknown as StoreCounts;
}

/** Counts of the side outputs, for the health panel. */
export async function sideOutputCounts(store: Store): Promise<{ late: number; rejected: number }> {
  const db = store.database;
  const [row] = await queryRows<{ late: string; rejected: string }>(
    store,
    `SELECT (SELECT count() FROM ${db}.late_events) AS late, (SELECT count() FROM ${db}.rejected_events) AS rejected`,
  );
  return { late: Number(row?.late ?? 0), rejected: Number(row?.rejected ?? 0) };
}
