-- One row per final session of a (user_id, user_session) identity. A session is written only once
-- final, so every row has is_final = 1 (kept for symmetry with the other tables); a replay after a
-- crash writes the same rows again, which the version replaces. A user's events all travel in one
-- partition (key = user_id), so one partition writes each session.
CREATE TABLE IF NOT EXISTS {db}.sessions_data
(
    session_key         String,
    user_id             UInt64,
    user_session        String,
    session_start       DateTime('UTC'),
    session_end         DateTime('UTC'),
    events              UInt64,
    views               UInt64,
    carts               UInt64,
    removals            UInt64,
    purchases           UInt64,
    cart_value          Decimal(18, 2),
    purchase_value      Decimal(18, 2),
    products_carted     UInt64,
    products_purchased  UInt64,
    abandoned           UInt8,
    abandoned_value     Decimal(18, 2),
    is_final            UInt8,
    source_partition    UInt32,
    version             UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (user_id, user_session, session_start);

CREATE VIEW IF NOT EXISTS {db}.sessions AS
SELECT session_key, user_id, user_session, session_start, session_end, events, views, carts, removals,
       purchases, cart_value, purchase_value, products_carted, products_purchased, abandoned,
       abandoned_value, is_final
FROM {db}.sessions_data FINAL;

-- One row per (session, product carted in it): what the per-product abandonment reads, and what
-- the brand and category filters reach sessions through.
CREATE TABLE IF NOT EXISTS {db}.session_products_data
(
    user_id           UInt64,
    user_session      String,
    session_start     DateTime('UTC'),
    session_end       DateTime('UTC'),
    product_id        UInt64,
    carts             UInt64,
    purchased         UInt8,
    abandoned         UInt8,
    abandoned_value   Decimal(18, 2),
    source_partition  UInt32,
    version           UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (user_id, user_session, session_start, product_id);

CREATE VIEW IF NOT EXISTS {db}.session_products AS
SELECT user_id, user_session, session_start, session_end, product_id, carts, purchased, abandoned, abandoned_value
FROM {db}.session_products_data FINAL;

-- Abandonment per hour of session end. abandoned_value sums every session's, so it includes
-- products left in the carts of sessions that bought something else (the total of
-- abandoned_products' values).
CREATE VIEW IF NOT EXISTS {db}.session_abandonment_hourly AS
SELECT toStartOfHour(session_end)                                     AS hour,
       count()                                                        AS sessions,
       countIf(carts > 0)                                             AS sessions_with_cart,
       countIf(purchases > 0)                                         AS sessions_with_purchase,
       sum(abandoned)                                                 AS abandoned,
       if(sessions_with_cart = 0, 0, abandoned / sessions_with_cart)  AS abandonment_rate,
       CAST(sum(abandoned_value) AS Decimal(18, 2))                   AS abandoned_value
FROM {db}.sessions
GROUP BY hour;

-- Per product over every session that carted it.
CREATE VIEW IF NOT EXISTS {db}.abandoned_products AS
SELECT product_id,
       count()                                       AS sessions_carted,
       sum(abandoned)                                AS sessions_abandoned,
       CAST(sum(abandoned_value) AS Decimal(18, 2))  AS abandoned_value
FROM {db}.session_products
GROUP BY product_id;
