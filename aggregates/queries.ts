// Read queries over the public views. Bound parameters only; the database name is the
// validated namespace.
import type { Store } from './store.ts';

export interface StoreCounts {
  events: number;
  rejected: number;
  late: number;
  windows: number;
  salesRows: number;
  customers: number;
}

/** A read for a person (the dashboard, a summary): through the panel gate, under the query limits. */
export async function queryRows<T>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return store.panelReads.run(async () => {
    const result = await store.panelClient.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  });
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
