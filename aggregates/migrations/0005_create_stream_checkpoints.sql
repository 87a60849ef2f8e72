-- Aggregator checkpoints: operator state and the next input offset of one partition, written
-- together so a restart resumes exactly where the state left off. Internal, not a public table.
CREATE TABLE IF NOT EXISTS {db}.stream_checkpoints
(
    consumer_group  String,
    topic           String,
    partition       UInt32,
    next_offset     Int64,
    state           String CODEC(ZSTD(3)),
    version         UInt64,
    created_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (consumer_group, topic, partition);
