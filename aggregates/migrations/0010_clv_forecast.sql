-- Predictive lifetime value (BG/NBD + Gamma-Gamma, times in days). One versioned row per
-- purchasing customer, rescored by each of their purchases (as_of = the partition's watermark)
-- and by each refit (as_of = the fit's observation end); a user's events all travel in one
-- partition (key = user_id), so one partition writes each customer's rows.
CREATE TABLE IF NOT EXISTS {db}.customer_value_forecast_data
(
    user_id                 UInt64,
    as_of                   DateTime64(3, 'UTC'),
    frequency               UInt64,
    recency_days            Float64,
    age_days                Float64,
    avg_repeat_order_value  Decimal(18, 2),
    p_alive                 Float64,
    expected_orders_30d     Float64,
    expected_orders_365d    Float64,
    expected_order_value    Decimal(18, 2),
    predicted_value_12m     Decimal(18, 2),
    model_fitted_at         DateTime64(3, 'UTC'),
    source_partition        UInt32,
    version                 UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY user_id;

CREATE VIEW IF NOT EXISTS {db}.customer_value_forecast AS
SELECT user_id, as_of, frequency, recency_days, age_days, avg_repeat_order_value, p_alive,
       expected_orders_30d, expected_orders_365d, expected_order_value, predicted_value_12m,
       model_fitted_at
FROM {db}.customer_value_forecast_data FINAL;

-- One row per fit, by its observation end (fitted_at = as_of): a fit made again for the same
-- observation end (a replay, or `clv fit` run twice) replaces the earlier row.
CREATE TABLE IF NOT EXISTS {db}.clv_models_data
(
    fitted_at             DateTime64(3, 'UTC'),
    customers             UInt64,
    repeat_customers      UInt64,
    r                     Float64,
    alpha                 Float64,
    a                     Float64,
    b                     Float64,
    bgnbd_log_likelihood  Float64,
    p                     Float64,
    q                     Float64,
    gamma                 Float64,
    gg_log_likelihood     Float64,
    iterations            UInt64,
    converged             UInt8,
    duration_ms           UInt64,
    time_unit             LowCardinality(String) DEFAULT 'day',
    source                LowCardinality(String),
    written_at            DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(written_at)
ORDER BY (fitted_at, source);

CREATE VIEW IF NOT EXISTS {db}.clv_models AS
SELECT fitted_at, customers, repeat_customers, r, alpha, a, b, bgnbd_log_likelihood, p, q, gamma,
       gg_log_likelihood, iterations, converged, duration_ms, time_unit, source
FROM {db}.clv_models_data FINAL;
