-- One row per `clv evaluate`: how a model fitted on the orders before the calibration end
-- predicted each calibration customer's orders up to the holdout end (Fader, Hardie & Lee 2005,
-- section 5), for the dashboard's model card. Not a public table. by_frequency holds the means by
-- calibration repeat orders 0..7+ as JSON text.
CREATE TABLE IF NOT EXISTS {db}.clv_evaluations
(
    evaluated_at         DateTime64(3, 'UTC'),
    calibration_end      DateTime64(3, 'UTC'),
    holdout_end          DateTime64(3, 'UTC'),
    customers            UInt64,
    total_predicted      Float64,
    total_actual         UInt64,
    mean_absolute_error  Float64,
    model_fitted_at      DateTime64(3, 'UTC'),
    r                    Float64,
    alpha                Float64,
    a                    Float64,
    b                    Float64,
    by_frequency         String
)
ENGINE = MergeTree
ORDER BY evaluated_at;
