-- Keyed state in a changelog: every checkpoint appends the entries changed since the previous
-- one (deleted = 1 for a key removed) under its epoch; a compaction writes all of a partition's
-- state as a new segment, and the segments before it are deleted. The state at a checkpoint is
-- its segment's latest entry per key up to its epoch. Internal, not a public table.
CREATE TABLE IF NOT EXISTS {db}.stream_state
(
    consumer_group  LowCardinality(String),
    topic           LowCardinality(String),
    partition       UInt32,
    segment         UInt64,
    epoch           UInt64,
    state           LowCardinality(String),
    key             String,
    value           String CODEC(ZSTD(1)),
    deleted         UInt8
)
ENGINE = MergeTree
ORDER BY (consumer_group, topic, partition, segment, state, key, epoch);

-- A checkpoint row now commits the entries of its epoch; `state` holds the progress outside
-- the keyed state. Rows of older builds (epoch 0) hold the whole state and are restored as such.
ALTER TABLE {db}.stream_checkpoints
    ADD COLUMN IF NOT EXISTS epoch UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS segment UInt64 DEFAULT 0;
