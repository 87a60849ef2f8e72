-- The hourly revenue and orders forecast (issue 26, "Forecast"): one row per (origin, forecast
-- hour). made_at is the forecast's origin, the first hour it forecasts (the history before it is
-- complete); a refit for the same origin (a replay, a restart) replaces the earlier rows. model
-- and fallback_reason are the revenue series'; the orders series has its own (a constant orders
-- history falls back while revenue does not).
CREATE TABLE IF NOT EXISTS {db}.revenue_forecast_data
(
    made_at          DateTime('UTC'),
    hour             DateTime('UTC'),
    revenue          Float64,
    revenue_lo80     Float64,
    revenue_hi80     Float64,
    revenue_lo95     Float64,
    revenue_hi95     Float64,
    orders           Float64,
    orders_lo80      Float64,
    orders_hi80      Float64,
    orders_lo95      Float64,
    orders_hi95      Float64,
    model                   LowCardinality(String),
    fallback_reason         Nullable(String),
    orders_model            LowCardinality(String),
    orders_fallback_reason  Nullable(String),
    fitted_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(fitted_at)
ORDER BY (made_at, hour);

CREATE VIEW IF NOT EXISTS {db}.revenue_forecast AS
SELECT made_at, hour, revenue, revenue_lo80, revenue_hi80, revenue_lo95, revenue_hi95,
       orders, orders_lo80, orders_hi80, orders_lo95, orders_hi95, model, fallback_reason, orders_model,
       orders_fallback_reason, fitted_at
FROM {db}.revenue_forecast_data FINAL;
