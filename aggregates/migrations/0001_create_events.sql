-- The raw archive: one row per valid source line. Re-inserting a line (after a restart) is
-- harmless: rows share the key (source_file, source_line) and the view reads the merged truth.
CREATE TABLE IF NOT EXISTS {db}.events_data
(
    event_time     DateTime('UTC'),
    event_type     LowCardinality(String),
    product_id     UInt64,
    category_id    UInt64,
    category_code  LowCardinality(String),
    brand          LowCardinality(String),
    price          Decimal(12, 2),
    user_id        UInt64,
    user_session   String,
    source_file    String,
    source_line    UInt64,
    ingested_at    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (source_file, source_line);

CREATE VIEW IF NOT EXISTS {db}.events AS
SELECT event_time, event_type, product_id, category_id, category_code, brand, price,
       user_id, user_session, source_file, source_line, ingested_at
FROM {db}.events_data FINAL;
