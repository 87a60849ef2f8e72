// Predicted-value rows written straight into the store (no pipeline) for the dashboard's tests:
// each customer's past revenue (customer_lifetime_value) and score (customer_value_forecast), and
// model fits (clv_models).
import type { Store } from '../aggregates/store.ts';

/** A customer's past revenue and current score; money as text with cents, times as store text. */
export interface ForecastSeed {
  user_id: string;
  revenue: string;
  orders: number;
  last: string;
  p_alive: number;
  e30: number;
  e365: number;
  eov: string;
  pv: string;
}

/** A fit's figures that the tests tell apart; the others are fixed. */
export interface FitSeed {
  /** Store text, e.g. '2019-10-07 00:00:00.000'. */
  at: string;
  r: number;
  /** SQL text of the Gamma-Gamma log-likelihood ('nan' for a failed fit). */
  ggLogLikelihood: string;
  converged: boolean;
  source: 'stream' | 'cli';
}

/**
 * The customers' lifetime-value rows and their scores as of `asOf` (version 2); `earlier` scores
 * each named customer once more with version 1, which the latest version must hide.
 */
export async function seedForecasts(store: Store, customers: readonly ForecastSeed[], asOf: string, earlier: ReadonlyMap<string, number> = new Map()): Promise<void> {
  const db = store.database;
  await store.client.insert({
    table: `${db}.customer_lifetime_value_versions`,
    format: 'JSONEachRow',
    values: customers.map((c) => ({
      user_id: c.user_id,
      revenue: c.revenue,
      purchases: c.orders,
      orders: c.orders,
      first_purchase_at: '2019-10-01 00:00:00',
      last_purchase_at: c.last,
      avg_order_value: (Number(c.revenue) / c.orders).toFixed(2),
      version: 1,
    })),
  });
  const row = (c: ForecastSeed, p_alive: number, version: number) => ({
    user_id: c.user_id,
    as_of: asOf,
    frequency: c.orders - 1,
    recency_days: 3,
    age_days: 6,
    avg_repeat_order_value: c.eov,
    p_alive,
    expected_orders_30d: c.e30,
    expected_orders_365d: c.e365,
    expected_order_value: c.eov,
    predicted_value_12m: c.pv,
    model_fitted_at: asOf,
    source_partition: 0,
    version,
  });
  await store.client.insert({
    table: `${db}.customer_value_forecast_data`,
    format: 'JSONEachRow',
    values: [...customers.filter((c) => earlier.has(c.user_id)).map((c) => row(c, earlier.get(c.user_id)!, 1)), ...customers.map((c) => row(c, c.p_alive, 2))],
  });
}

/** clv_models rows: 120 customers (40 repeat), α 4.4, a 0.79, b 2.4, LL -950.5, p 6.25, q 3.74, γ 15.44, 210 iterations, 35 ms. */
export async function seedFits(store: Store, fits: readonly FitSeed[]): Promise<void> {
  const values = fits.map(
    (f) =>
      `(toDateTime64('${f.at}', 3, 'UTC'), 120, 40, ${f.r}, 4.4, 0.79, 2.4, -950.5, 6.25, 3.74, 15.44, ${f.ggLogLikelihood}, 210, ${f.converged ? 1 : 0}, 35, 'day', '${f.source}', now64(3))`,
  );
  await store.client.command({ query: `INSERT INTO ${store.database}.clv_models_data VALUES ${values.join(', ')}` });
}
