// Rows of clv_models (migration 0010): one per fit, by its observation end and who fitted it (the
// aggregator's refits, `clv fit`). A fit stored again for the same observation end and source
// replaces the earlier row (ReplacingMergeTree by written_at). A handful of rows a day: JSON rows,
// not Native blocks.
import type { ClvModelRow } from '../core/result-rows.ts';
import { isoMillisOfMs } from '../core/time-format.ts';
import type { Store } from './store.ts';

/** A clv_models row under the table's column names; times as ISO 8601 text to the millisecond. */
export interface ClvModelRecord {
  fitted_at: string;
  customers: number;
  repeat_customers: number;
  r: number;
  alpha: number;
  a: number;
  b: number;
  bgnbd_log_likelihood: number;
  p: number;
  q: number;
  gamma: number;
  gg_log_likelihood: number;
  iterations: number;
  converged: boolean;
  duration_ms: number;
  time_unit: 'day';
  source: ClvModelRow['source'];
}

export function clvModelRecord(row: ClvModelRow): ClvModelRecord {
  return {
    fitted_at: isoMillisOfMs(row.fittedAt),
    customers: row.customers,
    repeat_customers: row.repeatCustomers,
    r: row.r,
    alpha: row.alpha,
    a: row.a,
    b: row.b,
    bgnbd_log_likelihood: row.bgnbdLogLikelihood,
    p: row.p,
    q: row.q,
    gamma: row.gamma,
    gg_log_likelihood: row.ggLogLikelihood,
    iterations: row.iterations,
    converged: row.converged,
    duration_ms: Math.round(row.durationMs),
    time_unit: 'day',
    source: row.source,
  };
}

/** Stores the rows, written now (`writtenAt`, epoch ms: the newest row of a key wins). */
export async function writeClvModels(store: Store, rows: readonly ClvModelRow[], writtenAt = Date.now()): Promise<void> {
  if (rows.length === 0) return;
  await store.client.insert({
    table: `${store.database}.clv_models_data`,
    format: 'JSONEachRow',
    values: rows.map((row) => {
      const record = clvModelRecord(row);
      return { ...record, converged: record.converged ? 1 : 0, written_at: isoMillisOfMs(writtenAt) };
    }),
  });
}
