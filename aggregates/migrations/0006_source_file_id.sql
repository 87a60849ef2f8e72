-- Files ingested under one name (a daily orders.csv) share source_file and line numbers: keyed
-- by (source_file, source_line) alone, a later file's rows replaced an earlier one's. Each row now
-- also carries source_file_id (which file of that name), part of the key. Rows stored before
-- take '' and keep their key. Adding a new column at the end of the sorting key changes only
-- the table's metadata (no rows are rewritten), and each ALTER runs again harmlessly if the
-- migration was interrupted before it was recorded.
ALTER TABLE {db}.events_data
    ADD COLUMN IF NOT EXISTS source_file_id LowCardinality(String) AFTER source_file,
    MODIFY ORDER BY (source_file, source_line, source_file_id);

ALTER TABLE {db}.late_events_data
    ADD COLUMN IF NOT EXISTS source_file_id LowCardinality(String) AFTER source_file,
    MODIFY ORDER BY (source_file, source_line, source_file_id);

ALTER TABLE {db}.rejected_events_data
    ADD COLUMN IF NOT EXISTS source_file_id LowCardinality(String) AFTER source_file,
    MODIFY ORDER BY (source_file, source_line, source_file_id);

CREATE OR REPLACE VIEW {db}.events AS
SELECT event_time, event_type, product_id, category_id, category_code, brand, price,
       user_id, user_session, source_file, source_file_id, source_line, ingested_at
FROM {db}.events_data FINAL;

CREATE OR REPLACE VIEW {db}.late_events AS
SELECT event_time, event_type, product_id, category_id, category_code, brand, price,
       user_id, user_session, source_file, source_file_id, source_line, window_start, watermark
FROM {db}.late_events_data FINAL;

CREATE OR REPLACE VIEW {db}.rejected_events AS
SELECT source_file, source_file_id, source_line, raw_line, reason, rejected_at
FROM {db}.rejected_events_data FINAL;
