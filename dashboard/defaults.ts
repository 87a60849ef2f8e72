// Dashboard defaults, visible in one place.
export const DASHBOARD_DEFAULTS = {
  host: '127.0.0.1',
  port: 3000,
  /** The range of top products, KPIs, revenue series and product series when none is given: the latest hour of event time. */
  defaultSpan: '1h',
  maxWindows: 1440,
  topLimit: 20,
  maxTopLimit: 100,
  leaderboardLimit: 20,
  maxLeaderboardLimit: 100,
  buckets: 10,
  maxBuckets: 100,
  /** Rows of the predicted-value tables (customers at risk, top predicted value). */
  clvForecastLimit: 20,
  maxClvForecastLimit: 1000,
  /** A customer is at risk below this P(alive). */
  atRiskPAliveBelow: 0.5,
  pAliveBins: 10,
  /** Longest span a per-minute query may cover. */
  maxSpanMs: 7 * 24 * 60 * 60_000,
  /** Longest span of KPIs and of the hourly revenue series. */
  maxLongSpanMs: 366 * 24 * 60 * 60_000,
  /** The revenue series goes from minute to hour buckets past this span. */
  minuteBucketsUpToMs: 6 * 60 * 60_000,
  /** Windows of per-partition rows the live view starts from (the page's longest live range). */
  liveWindows: 60,
  /** Pushed rows older than this behind the newest window are not sent (catch-up after a backlog). */
  liveHorizonMs: 24 * 60 * 60_000,
  healthIntervalMs: 2_000,
  /** A client whose unsent SSE data passes this is disconnected (it reconnects and resumes). */
  maxClientBufferBytes: 8 << 20,
  sseRetryMs: 2_000,
} as const;
