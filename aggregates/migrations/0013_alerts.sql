-- Alert state changes (issue 26, "Alerts"): one row per change of one alert (a rule and a label
-- set, named by its fingerprint) to pending, firing, resolved or inactive. changed_at is the
-- evaluation's time: wall-clock for pipeline rules, event time (the end of the hour evaluated) for
-- business rules, so a replay of the same input writes the same rows again and the table keeps one
-- of them: a business alert is recorded once however often its hours are replayed (of a change
-- recorded twice, the one that notified is kept: version 1, else the later one). labels is the alert's label set as JSON text; notified names the channels a
-- notification was handed to (empty when none was due, silenced or no channel configured).
CREATE TABLE IF NOT EXISTS {db}.alerts_data
(
    rule         LowCardinality(String),
    kind         LowCardinality(String),
    fingerprint  String,
    labels       String,
    state        LowCardinality(String),
    value        Float64,
    changed_at   DateTime64(3, 'UTC'),
    started_at   DateTime64(3, 'UTC'),
    resolved_at  Nullable(DateTime64(3, 'UTC')),
    summary      String,
    notified     Array(LowCardinality(String)),
    recorded_at  DateTime64(3, 'UTC'),
    version      UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (rule, fingerprint, changed_at, state);

CREATE VIEW IF NOT EXISTS {db}.alerts AS
SELECT rule, kind, fingerprint, labels, state, value, changed_at, started_at, resolved_at, summary, notified
FROM {db}.alerts_data FINAL;
