-- Each Kafka partition's operator upserts its partial result per (window, product); a later
-- version replaces an earlier one (early firings, replays after a crash). The view merges the
-- partitions: a window is final once every partition that saw it has finalised it.
CREATE TABLE IF NOT EXISTS {db}.sales_per_product_partials
(
    window_start      DateTime('UTC'),
    window_end        DateTime('UTC'),
    product_id        UInt64,
    source_partition  UInt32,
    revenue           Decimal(18, 2),
    purchases         UInt64,
    views             UInt64,
    carts             UInt64,
    removals          UInt64,
    is_final          UInt8,
    version           UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (window_start, product_id, source_partition);

CREATE VIEW IF NOT EXISTS {db}.sales_per_product AS
SELECT window_start,
       window_end,
       product_id,
       CAST(sum(revenue) AS Decimal(18, 2)) AS revenue,
       sum(purchases)                      AS purchases,
       sum(views)                          AS views,
       sum(carts)                          AS carts,
       sum(removals)                       AS removals,
       toUInt8(min(is_final))              AS is_final
FROM {db}.sales_per_product_partials FINAL
GROUP BY window_start, window_end, product_id;
