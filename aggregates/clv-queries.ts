// Predicted lifetime value (BG/NBD + Gamma-Gamma) for people: customers slipping away (high past
// revenue, low P(alive)), the top predicted value over 12 months, the distribution of P(alive) and
// the model card (the latest fit and the latest `clv evaluate`).
// Bound parameters only; ids leave as strings, money as numbers in currency units, times as ISO
// 8601 text; a figure the store holds as NaN or infinity leaves as null.
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';
import { latestClvEvaluation, type ClvEvaluationRecord } from './clv-evaluations.ts';
import { isoMillisOfMs, isoSecondsOfSeconds } from '../core/time-format.ts';

/** A scored customer beside their past revenue (customer_lifetime_value). */
export interface CustomerForecast {
  user_id: string;
  past_revenue: number;
  orders: number;
  last_purchase_at: string;
  /** Repeat orders (orders - 1, as the model counts them). */
  frequency: number;
  p_alive: number;
  expected_orders_30d: number;
  expected_orders_365d: number;
  expected_order_value: number;
  predicted_value_12m: number;
  /** The observation end of the customer's score. */
  as_of: string;
}

export interface PAliveBin {
  /** [lower, upper); the last bin includes 1. */
  lower: number;
  upper: number;
  customers: number;
}

/** The latest clv_models row (times in days). */
export interface ClvModel {
  fitted_at: string;
  customers: number;
  repeat_customers: number;
  r: number | null;
  alpha: number | null;
  a: number | null;
  b: number | null;
  bgnbd_log_likelihood: number | null;
  p: number | null;
  q: number | null;
  gamma: number | null;
  gg_log_likelihood: number | null;
  iterations: number;
  converged: boolean;
  duration_ms: number;
  time_unit: string;
  source: string;
}

/** The figures of the latest `clv evaluate` (clv_evaluations) the model card shows: repeat orders over the holdout [calibration_end, holdout_end), predicted and actual, and the mean absolute error per calibration customer. */
export type ClvEvaluationSummary = Pick<ClvEvaluationRecord, 'evaluated_at' | 'calibration_end' | 'holdout_end' | 'customers' | 'total_predicted' | 'total_actual' | 'mean_absolute_error'>;

export interface ClvModelCard {
  /** null: no model fitted yet. */
  model: ClvModel | null;
  /** null: no evaluation stored. */
  evaluation: ClvEvaluationSummary | null;
}

const finiteOrNull = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

interface ForecastRow {
  uid: string;
  rev: string;
  orders: string;
  last: string;
  frequency: string;
  p_alive: number;
  e30: number;
  e365: number;
  eov: string;
  pv: string;
  as_of_ms: string;
}

/** Scored customers with their past revenue, those meeting `where`, in `order`, at most `limit`. */
async function forecastRows(store: Store, where: string, order: string, params: Record<string, unknown>): Promise<CustomerForecast[]> {
  const db = store.database;
  const rows = await queryRows<ForecastRow>(
    store,
    // Aliases differ from the column names, so ORDER BY sorts the numbers, not their text.
    `SELECT toString(f.user_id) AS uid, toString(c.revenue) AS rev, c.orders AS orders, toUnixTimestamp(c.last_purchase_at) AS last,
            f.frequency AS frequency, f.p_alive AS p_alive, f.expected_orders_30d AS e30, f.expected_orders_365d AS e365,
            toString(f.expected_order_value) AS eov, toString(f.predicted_value_12m) AS pv, toUnixTimestamp64Milli(f.as_of) AS as_of_ms
     FROM ${db}.customer_value_forecast AS f
     INNER JOIN ${db}.customer_lifetime_value AS c ON c.user_id = f.user_id
     WHERE ${where}
     ORDER BY ${order}, f.user_id ASC
     LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map((x) => ({
    user_id: x.uid,
    past_revenue: Number(x.rev),
    orders: Number(x.orders),
    last_purchase_at: isoSecondsOfSeconds(Number(x.last)),
    frequency: Number(x.frequency),
    p_alive: finiteOrNull(x.p_alive) ?? 0,
    expected_orders_30d: finiteOrNull(x.e30) ?? 0,
    expected_orders_365d: finiteOrNull(x.e365) ?? 0,
    expected_order_value: Number(x.eov),
    predicted_value_12m: Number(x.pv),
    as_of: isoMillisOfMs(Number(x.as_of_ms)),
  }));
}

/** Customers whose P(alive) is below `pAliveBelow`, by past revenue (highest first). */
export function customersAtRisk(store: Store, limit: number, pAliveBelow: number): Promise<CustomerForecast[]> {
  return forecastRows(store, 'f.p_alive < {pAliveBelow:Float64}', 'c.revenue DESC', { limit, pAliveBelow });
}

/** Customers by predicted value over the next 12 months (highest first). */
export function topPredictedValue(store: Store, limit: number): Promise<CustomerForecast[]> {
  return forecastRows(store, '1', 'f.predicted_value_12m DESC', { limit });
}

/** Scored customers per P(alive) bin: `bins` equal bins over [0, 1], every bin present. */
export async function pAliveDistribution(store: Store, bins: number): Promise<PAliveBin[]> {
  const rows = await queryRows<{ bin: string; customers: string }>(
    store,
    `SELECT least(toUInt32(floor(p_alive * {bins:UInt32})), {last:UInt32}) AS bin, count() AS customers
     FROM ${store.database}.customer_value_forecast
     WHERE isFinite(p_alive) AND p_alive >= 0
     GROUP BY bin`,
    { bins, last: bins - 1 },
  );
  const counts = new Map(rows.map((x) => [Number(x.bin), Number(x.customers)]));
  return Array.from({ length: bins }, (_, i) => ({ lower: i / bins, upper: (i + 1) / bins, customers: counts.get(i) ?? 0 }));
}

/** The model card: the latest fit and the latest evaluation. */
export async function clvModelCard(store: Store): Promise<ClvModelCard> {
  const [model, evaluation] = await Promise.all([latestModel(store), latestClvEvaluation(store)]);
  return {
    model,
    evaluation: evaluation
      ? {
          evaluated_at: evaluation.evaluated_at,
          calibration_end: evaluation.calibration_end,
          holdout_end: evaluation.holdout_end,
          customers: evaluation.customers,
          total_predicted: evaluation.total_predicted,
          total_actual: evaluation.total_actual,
          mean_absolute_error: evaluation.mean_absolute_error,
        }
      : null,
  };
}

type ModelRow = Omit<ClvModel, 'fitted_at' | 'customers' | 'repeat_customers' | 'iterations' | 'converged' | 'duration_ms'> & {
  fitted_ms: string;
  customers: string;
  repeat_customers: string;
  iterations: string;
  converged: number;
  duration_ms: string;
};

async function latestModel(store: Store): Promise<ClvModel | null> {
  const [row] = await queryRows<ModelRow>(
    store,
    // Two fits of one observation end (the aggregator's and `clv fit`'s): the aggregator's, the one scoring the table.
    `SELECT toUnixTimestamp64Milli(fitted_at) AS fitted_ms, customers, repeat_customers, r, alpha, a, b, bgnbd_log_likelihood,
            p, q, gamma, gg_log_likelihood, iterations, converged, duration_ms, time_unit, source
     FROM ${store.database}.clv_models
     ORDER BY fitted_at DESC, source = 'stream' DESC, source ASC
     LIMIT 1`,
  );
  if (!row) return null;
  return {
    fitted_at: isoMillisOfMs(Number(row.fitted_ms)),
    customers: Number(row.customers),
    repeat_customers: Number(row.repeat_customers),
    r: finiteOrNull(row.r),
    alpha: finiteOrNull(row.alpha),
    a: finiteOrNull(row.a),
    b: finiteOrNull(row.b),
    bgnbd_log_likelihood: finiteOrNull(row.bgnbd_log_likelihood),
    p: finiteOrNull(row.p),
    q: finiteOrNull(row.q),
    gamma: finiteOrNull(row.gamma),
    gg_log_likelihood: finiteOrNull(row.gg_log_likelihood),
    iterations: Number(row.iterations),
    converged: Number(row.converged) === 1,
    duration_ms: Number(row.duration_ms),
    time_unit: row.time_unit,
    source: row.source,
  };
}
