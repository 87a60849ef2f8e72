// Query endpoint defaults, visible in one place (host and port are settings: core/config.ts).
export const QUERY_DEFAULTS = {
  /** The format of a statement without FORMAT and a request without default_format, as ClickHouse's. */
  format: 'TabSeparated',
  /** The longest statement text (URL parameter plus body) taken. */
  maxQueryBytes: 1 << 20,
} as const;
