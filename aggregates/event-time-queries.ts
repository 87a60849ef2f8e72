// How far event time has got in the store: the end of the newest window, the newest event and
// the end of the newest final window.
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';

/** The end of the newest window in the store (epoch ms), or null when there is none. */
export async function latestWindowEnd(store: Store): Promise<number | null> {
  const [row] = await queryRows<{ n: string; hi: string }>(
    store,
    `SELECT count() AS n, toUnixTimestamp(max(window_end)) AS hi FROM ${store.database}.sales_per_product_partials`,
  );
  return row && Number(row.n) > 0 ? Number(row.hi) * 1000 : null;
}

/**
 * How far event time has got, from one look at the store: the newest event in the events table and
 * the end of the newest final window (the results up to there will not change). Epoch ms; null
 * while there is none.
 */
export async function eventTimeProgress(store: Store): Promise<{ newest: number | null; finalThrough: number | null }> {
  const db = store.database;
  // max() of the events table's partition key column is answered from the parts' min/max index; the
  // final windows are looked for in the newest day of windows only.
  const [row] = await queryRows<{ newest: string; final: string }>(
    store,
    `SELECT (SELECT toUnixTimestamp(max(event_time)) FROM ${db}.events_data) AS newest,
            (SELECT toUnixTimestamp(max(window_end)) FROM ${db}.sales_per_product
             WHERE is_final = 1 AND window_start >= (SELECT max(window_start) FROM ${db}.sales_per_product_partials) - INTERVAL 1 DAY) AS final`,
  );
  const ms = (v: string | undefined) => (v === undefined || Number(v) === 0 ? null : Number(v) * 1000);
  return { newest: ms(row?.newest), finalThrough: ms(row?.final) };
}
