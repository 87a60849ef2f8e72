// The lifetime-value model's tables as the stream writes and reads them: customer_value_forecast
// (its scores) and the latest of its own clv_models rows (clv-model-writer.ts writes them).
import type { ClvModelRow, CustomerForecastRow } from '../core/result-rows.ts';
import type { ClvModelRecord } from './clv-model-writer.ts';
import { columns, insertRows } from './native-insert.ts';
import type { Store } from './store.ts';

const DATE_TIME_MS = "DateTime64(3, 'UTC')";

const FORECAST_COLUMNS = columns([
  ['user_id', 'UInt64'],
  ['as_of', DATE_TIME_MS],
  ['frequency', 'UInt64'],
  ['recency_days', 'Float64'],
  ['age_days', 'Float64'],
  ['avg_repeat_order_value', 'Decimal(18, 2)'],
  ['p_alive', 'Float64'],
  ['expected_orders_30d', 'Float64'],
  ['expected_orders_365d', 'Float64'],
  ['expected_order_value', 'Decimal(18, 2)'],
  ['predicted_value_12m', 'Decimal(18, 2)'],
  ['model_fitted_at', DATE_TIME_MS],
  ['source_partition', 'UInt32'],
  ['version', 'UInt64'],
]);

/** The latest model fitted by `source`, if any. */
export async function latestClvModel(store: Store, source: ClvModelRow['source']): Promise<ClvModelRow | undefined> {
  const result = await store.client.query({
    query: `SELECT * EXCEPT fitted_at, toUnixTimestamp64Milli(fitted_at) AS fitted_at_ms FROM ${store.database}.clv_models
            WHERE source = {source:String} ORDER BY fitted_at DESC LIMIT 1`,
    query_params: { source },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const [row] = await result.json<Omit<ClvModelRecord, 'fitted_at' | 'converged'> & { fitted_at_ms: number; converged: number }>();
  if (!row) return undefined;
  return {
    fittedAt: row.fitted_at_ms,
    customers: row.customers,
    repeatCustomers: row.repeat_customers,
    r: row.r,
    alpha: row.alpha,
    a: row.a,
    b: row.b,
    bgnbdLogLikelihood: row.bgnbd_log_likelihood,
    p: row.p,
    q: row.q,
    gamma: row.gamma,
    ggLogLikelihood: row.gg_log_likelihood,
    iterations: row.iterations,
    converged: row.converged === 1,
    durationMs: row.duration_ms,
    source: row.source,
  };
}

/** Writes customer_value_forecast rows (versioned upserts). */
export function writeForecasts(store: Store, rows: CustomerForecastRow[]): Promise<void> {
  return insertRows(store, 'customer_value_forecast_data', FORECAST_COLUMNS, rows, (out, r) =>
    out
      .id(r.userId)
      .millis(r.asOf)
      .uint(r.frequency)
      .float(r.recencyDays)
      .float(r.ageDays)
      .cents(r.avgRepeatOrderValueCents)
      .float(r.pAlive)
      .float(r.expectedOrders30d)
      .float(r.expectedOrders365d)
      .cents(r.expectedOrderValueCents)
      .cents(r.predictedValue12mCents)
      .millis(r.modelFittedAt)
      .uint(r.sourcePartition)
      .uint(r.version),
  );
}

