// The read every query module runs: a person's read (the dashboard, a summary) as JSON rows.
// Bound parameters only; the database name is the validated namespace.
import type { Store } from './store.ts';

/** A read for a person (the dashboard, a summary): through the panel gate, under the query limits. */
export async function queryRows<T>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return store.panelReads.run(async () => {
    const result = await store.panelClient.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  });
}
