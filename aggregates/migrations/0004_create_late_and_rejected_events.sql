-- Side outputs, keyed by the event identity (source_file, source_line) so replays are harmless.
CREATE TABLE IF NOT EXISTS {db}.late_events_data
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
    window_start   DateTime('UTC'),
    watermark      DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (source_file, source_line);

CREATE VIEW IF NOT EXISTS {db}.late_events AS
SELECT event_time, event_type, product_id, category_id, category_code, brand, price,
       user_id, user_session, source_file, source_line, window_start, watermark
FROM {db}.late_events_data FINAL;

CREATE TABLE IF NOT EXISTS {db}.rejected_events_data
(
    source_file  String,
    source_line  UInt64,
    raw_line     String,
    reason       String,
    rejected_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (source_file, source_line);

CREATE VIEW IF NOT EXISTS {db}.rejected_events AS
SELECT source_file, source_line, raw_line, reason, rejected_at
FROM {db}.rejected_events_data FINAL;
