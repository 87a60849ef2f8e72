// Connector defaults, visible in one place.
export const CONNECTOR_DEFAULTS = {
  /** Rows per Kafka transaction (rows + ledger entry commit together). */
  batchRows: 5000,
  /** A file is taken once its size has been stable this long (replay renames whole files in). */
  writeStableMs: 200,
  /** Periodic progress line when stderr is not a terminal. */
  progressEveryMs: 5000,
  partitions: 4,
} as const;
