// Forecast defaults (issue 26, "Forecast"): visible in one place.
export const HOUR_MS = 3_600_000;
export const DAY_HOURS = 24;
export const WEEK_HOURS = 168;

export const FORECAST_DEFAULTS = {
  /** Hours forecast from the origin. */
  horizon: 24,
  /**
   * The model fits at most this much of the latest history: eight weeks give MSTL four weekly
   * cycles to spare, and older hours add little to a model whose level moves, while they make
   * every hourly refit slower.
   */
  maxHistoryHours: 8 * WEEK_HOURS,
  /** Backtest: a forecast from every hour of the range. */
  backtestStepHours: 1,
  /**
   * The intervals' calibration (conformal.ts): a week of earlier origins, one a day, each scored
   * on its whole horizon (7 × 24 scores); seven more fits per forecast, a second in all.
   */
  calibration: { origins: 7, stepHours: DAY_HOURS },
} as const;

/** The two prediction levels every forecast carries. */
export const LEVELS = { inner: 0.8, outer: 0.95 } as const;
