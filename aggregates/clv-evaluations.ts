// The clv_evaluations table (migration 0011): each `clv evaluate`'s summary, and the latest one
// for the dashboard's model card. Times leave as ISO 8601 text to the millisecond.
import { isoMillisOfMs } from '../core/time-format.ts';
import { queryRows } from './query-rows.ts';
import type { Store } from './store.ts';

/** The mean predicted and actual holdout orders of the customers with this many calibration repeat orders. */
export interface ClvFrequencyGroupRecord {
  /** '0' … '6', and '7+'. */
  calibration_repeat_orders: string;
  customers: number;
  mean_predicted: number | null;
  mean_actual: number | null;
}

/** A clv_evaluations row under the table's column names. */
export interface ClvEvaluationRecord {
  evaluated_at: string;
  calibration_end: string;
  holdout_end: string;
  customers: number;
  total_predicted: number;
  total_actual: number;
  mean_absolute_error: number;
  model_fitted_at: string;
  r: number;
  alpha: number;
  a: number;
  b: number;
  by_frequency: ClvFrequencyGroupRecord[];
}

export async function writeClvEvaluation(store: Store, record: ClvEvaluationRecord): Promise<void> {
  await store.client.insert({
    table: `${store.database}.clv_evaluations`,
    format: 'JSONEachRow',
    values: [{ ...record, by_frequency: JSON.stringify(record.by_frequency) }],
  });
}

/** A stored row: times as epoch ms; 64-bit integers arrive as text. */
interface StoredRow {
  evaluated_ms: string;
  calibration_end_ms: string;
  holdout_end_ms: string;
  model_fitted_ms: string;
  customers: string;
  total_predicted: number;
  total_actual: string;
  mean_absolute_error: number;
  r: number;
  alpha: number;
  a: number;
  b: number;
  by_frequency: string;
}

/** The latest evaluation, or undefined when none was run. */
export async function latestClvEvaluation(store: Store): Promise<ClvEvaluationRecord | undefined> {
  const [row] = await queryRows<StoredRow>(
    store,
    `SELECT toUnixTimestamp64Milli(evaluated_at) AS evaluated_ms, toUnixTimestamp64Milli(calibration_end) AS calibration_end_ms,
            toUnixTimestamp64Milli(holdout_end) AS holdout_end_ms, toUnixTimestamp64Milli(model_fitted_at) AS model_fitted_ms,
            customers, total_predicted, total_actual, mean_absolute_error, r, alpha, a, b, by_frequency
     FROM ${store.database}.clv_evaluations
     ORDER BY evaluated_at DESC
     LIMIT 1`,
  );
  if (!row) return undefined;
  return {
    evaluated_at: isoMillisOfMs(Number(row.evaluated_ms)),
    calibration_end: isoMillisOfMs(Number(row.calibration_end_ms)),
    holdout_end: isoMillisOfMs(Number(row.holdout_end_ms)),
    customers: Number(row.customers),
    total_predicted: row.total_predicted,
    total_actual: Number(row.total_actual),
    mean_absolute_error: row.mean_absolute_error,
    model_fitted_at: isoMillisOfMs(Number(row.model_fitted_ms)),
    r: row.r,
    alpha: row.alpha,
    a: row.a,
    b: row.b,
    by_frequency: JSON.parse(row.by_frequency) as ClvFrequencyGroupRecord[],
  };
}
