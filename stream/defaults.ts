// Engine defaults (docs/design.md, "Data flow"): visible in one place.
export const STREAM_DEFAULTS = {
  windowSizeMs: 60_000,
  /** Bounded out-of-orderness of the watermark. */
  outOfOrdernessMs: 45_000,
  allowedLatenessMs: 0,
  /** Inactivity gap of the session windows (SALESINSIGHTS_SESSION_GAP). */
  sessionGapMs: 1_800_000,
  /** The lifetime-value model's refits, event time (SALESINSIGHTS_CLV_REFIT_INTERVAL). */
  clvRefitIntervalMs: 86_400_000,
  /** Monthly discount rate of the predicted 12-month value (SALESINSIGHTS_CLV_MONTHLY_DISCOUNT). */
  clvMonthlyDiscount: 0.01,
  /** Early firing of dirty windows, processing time. */
  earlyFiringIntervalMs: 1_000,
  checkpointIntervalMs: 5_000,
  /** A partition without events this long does not hold the combined watermark back. */
  idleTimeoutMs: 30_000,
} as const;

export interface EngineOptions {
  windowSizeMs: number;
  /** Hopping windows when set: a new window every slideMs. */
  windowSlideMs?: number;
  outOfOrdernessMs: number;
  allowedLatenessMs: number;
  sessionGapMs: number;
}

/** Retries of sink writes and checkpoints: 250 ms doubling to 8 s, about a minute in all. */
export const RETRY = { attempts: 12, initialMs: 250, maxMs: 8_000 } as const;
