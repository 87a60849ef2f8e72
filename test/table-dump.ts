// Every row of every public table of a namespace, for comparing a faulty run with an
// uninterrupted one. Read with `salesinsights sql` once no process holds the embedded store.
import type { Config } from '../core/config.ts';
import { cliSql } from './cli-process.ts';

/**
 * Dumps of every public table without the columns that record when a run happened. A `live` run
 * (start) forecasts as hours of its event time complete, at most every few seconds of wall time:
 * its revenue forecasts, and the business alerts judged against them, are left out.
 */
export function dump(c: Config, options: { live?: boolean } = {}): Record<string, string> {
  const db = c.namespace;
  const queries: Record<string, string> = {
    sales_per_product: `SELECT * FROM ${db}.sales_per_product ORDER BY window_start, product_id`,
    customer_lifetime_value: `SELECT * FROM ${db}.customer_lifetime_value ORDER BY user_id`,
    late_events: `SELECT * FROM ${db}.late_events ORDER BY source_file, source_line, source_file_id`,
    rejected_events: `SELECT * EXCEPT rejected_at FROM ${db}.rejected_events ORDER BY source_file, source_line, source_file_id`,
    events: `SELECT * EXCEPT ingested_at FROM ${db}.events ORDER BY source_file, source_line, source_file_id`,
    sessions: `SELECT * FROM ${db}.sessions ORDER BY user_id, user_session, session_start`,
    session_products: `SELECT * FROM ${db}.session_products ORDER BY user_id, user_session, session_start, product_id`,
    session_abandonment_hourly: `SELECT * FROM ${db}.session_abandonment_hourly ORDER BY hour`,
    abandoned_products: `SELECT * FROM ${db}.abandoned_products ORDER BY product_id`,
    customer_value_forecast: `SELECT * FROM ${db}.customer_value_forecast ORDER BY user_id`,
    // The fit at the end of input (the daily ones observe the midnight after the tick that saw the
    // watermark pass it, so a replay may fit them on a little more or less of the state).
    clv_models: `SELECT * EXCEPT duration_ms FROM ${db}.clv_models WHERE source = 'stream' ORDER BY fitted_at DESC LIMIT 1`,
  };
  if (!options.live) {
    // A backfill's forecasts are made after its input, one per day of its event time, and the
    // business rules judged against them: the same in a replay that was killed on the way.
    queries.revenue_forecast = `SELECT * EXCEPT fitted_at FROM ${db}.revenue_forecast ORDER BY made_at, hour`;
    queries.alerts = `SELECT * FROM ${db}.alerts WHERE kind = 'business' ORDER BY rule, fingerprint, changed_at, state`;
  }
  return Object.fromEntries(
    Object.entries(queries).map(([table, query]) => {
      return [table, cliSql(c, query)];
    }),
  );
}

/** The rows of a dump (JSONEachRow lines). */
export function rows(table: string): string[] {
  return table.split('\n').filter((line) => line !== '');
}

/**
 * Rows of the uninterrupted run missing after the faults, and rows only the faulty run has (first
 * 10 each); a row twice where the other run has it once counts as extra (missing) too.
 */
export function difference(want: string, got: string): { missing: string[]; extra: string[] } {
  const count = new Map<string, number>();
  for (const row of want.split('\n')) count.set(row, (count.get(row) ?? 0) + 1);
  for (const row of got.split('\n')) count.set(row, (count.get(row) ?? 0) - 1);
  const differing = (sign: number) => [...count].filter(([, n]) => Math.sign(n) === sign).map(([row]) => row).slice(0, 10);
  return { missing: differing(1), extra: differing(-1) };
}
