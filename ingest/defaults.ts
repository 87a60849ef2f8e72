// Connector defaults, visible in one place.
export const CONNECTOR_DEFAULTS = {
  /** Rows per Kafka transaction (rows + ledger entry commit together). */
  batchRows: 5000,
  /** Periodic progress line when stderr is not a terminal. */
  progressEveryMs: 5000,
  /**
   * Reading the ledger to its end waits for other connectors' open transactions to end; a
   * killed one's is aborted by the broker after the transaction timeout (60 s).
   */
  ledgerLoadTimeoutMs: 90_000,
} as const;
