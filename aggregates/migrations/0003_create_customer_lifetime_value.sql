-- A user's events all travel in one partition (key = user_id), so one versioned row per user.
CREATE TABLE IF NOT EXISTS {db}.customer_lifetime_value_versions
(
    user_id            UInt64,
    revenue            Decimal(18, 2),
    purchases          UInt64,
    orders             UInt64,
    first_purchase_at  DateTime('UTC'),
    last_purchase_at   DateTime('UTC'),
    avg_order_value    Decimal(18, 2),
    version            UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY user_id;

CREATE VIEW IF NOT EXISTS {db}.customer_lifetime_value AS
SELECT user_id, revenue, purchases, orders, first_purchase_at, last_purchase_at, avg_order_value
FROM {db}.customer_lifetime_value_versions FINAL;
