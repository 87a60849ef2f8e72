-- Each operator has its own lateness: an event on time for its window can be late for its session
-- (final once the watermark passes its last event + the session gap). A late_events row says
-- which it missed: 'window' (rows before sessions existed were all late for a window) or
-- 'session'. The new column goes at the end, so existing rows and keys are unchanged.
ALTER TABLE {db}.late_events_data
    ADD COLUMN IF NOT EXISTS late_for LowCardinality(String) DEFAULT 'window';

CREATE OR REPLACE VIEW {db}.late_events AS
SELECT event_time, event_type, product_id, category_id, category_code, brand, price,
       user_id, user_session, source_file, source_file_id, source_line, window_start, watermark, late_for
FROM {db}.late_events_data FINAL;
