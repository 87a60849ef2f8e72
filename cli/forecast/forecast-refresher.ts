// The forecast component of `start` and `backfill`, on two schedules:
//   live (start): when the store's newest event time passes an hour boundary (an hour of event
//     time completed), fit the next hours from the history before that hour on the forecast
//     threads and store them in revenue_forecast. Off the event path: it reads the store on its
//     own timer, so ingestion never waits for it. A catching-up start's event time races ahead,
//     so fits are at least `minIntervalMs` of wall time apart and, whatever a fit costs, busy at
//     most `maxBusyShare` of the wall time.
//   replay (backfill): nothing while the input runs; at its end, a fit from each day of event time
//     the input covers (replayOrigins) and one from the hour after its newest event, all on the
//     complete history. The forecasts, and the business alerts judged against them, are then the
//     same whatever the machine's speed, and none of their cost falls while events flow.
import { eventTimeSpan, hourlySales, latestForecastOrigin, writeRevenueForecasts, type HourlySales, type RevenueForecast } from '../../aggregates/forecast-queries.ts';
import type { Store } from '../../aggregates/store.ts';
import type { Logger } from '../../core/logger.ts';
import { FORECAST_DEFAULTS } from '../../stream/forecast/index.ts';
import { revenueForecastOf, seriesOf } from './fit-forecast.ts';
import { ForecastThread } from './forecast-thread.ts';

const HOUR_MS = 3_600_000;

export interface ForecastRefreshOptions {
  /** Hours forecast from each origin. */
  horizon: number;
  /** When fits are made: as hours of event time complete (start), or after the input (backfill). */
  schedule: 'live' | 'replay';
  /** How often the store's newest event time is looked at, ms. */
  pollMs: number;
  /** Wall time between two fits at least, ms: a 1M backfill pays for a fit every few seconds, not every hour of its event time. */
  minIntervalMs: number;
  /** Hours of history read for a fit (the model fits at most FORECAST_DEFAULTS.maxHistoryHours). */
  historyHours: number;
  /** The share of the machine fits may take: after a fit of d ms on the two threads the next waits d × (2 / share − 1) at least. */
  maxBusyShare: number;
}

export const FORECAST_REFRESH_DEFAULTS: Omit<ForecastRefreshOptions, 'horizon'> = {
  schedule: 'live',
  pollMs: 1_000,
  minIntervalMs: 5_000,
  historyHours: FORECAST_DEFAULTS.maxHistoryHours,
  maxBusyShare: 0.05,
};

const DAY_MS = 24 * HOUR_MS;
const hourStartOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/**
 * A replay's origins over event time [oldestMs, newestMs]: from each UTC day's midnight after the
 * oldest event (every `horizon` hours within the day when the horizon is shorter than a day, so
 * that every hour is covered), and the hour after the newest event last. Ascending, distinct.
 */
export function replayOrigins(oldestMs: number, newestMs: number, horizon: number): number[] {
  const end = hourStartOf(newestMs) + HOUR_MS;
  const step = Math.min(24, horizon) * HOUR_MS;
  const origins: number[] = [];
  for (let day = Math.floor(oldestMs / DAY_MS) * DAY_MS + DAY_MS; day < end; day += DAY_MS) {
    for (let origin = day; origin < day + DAY_MS && origin < end; origin += step) origins.push(origin);
  }
  origins.push(end);
  return origins;
}

export class ForecastRefresher {
  private readonly options: ForecastRefreshOptions;
  /** A thread per series: the fit at the end of a backfill, which it waits for, takes half the time. */
  private readonly threads = { revenue: new ForecastThread(), orders: new ForecastThread() };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private busy = false;
  private lastOriginMs = -Infinity;
  /** Wall time of the next fit at the earliest. */
  private nextFitAtMs = -Infinity;
  /** Fits made (the bench and the tests count them). */
  fits = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    options: Partial<ForecastRefreshOptions> & Pick<ForecastRefreshOptions, 'horizon'>,
  ) {
    this.options = { ...FORECAST_REFRESH_DEFAULTS, ...options };
  }

  start(): void {
    if (this.options.schedule === 'replay') return;
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  /**
   * End of input: every hour seen is complete, so the last fit's origin is the hour after the
   * newest event; a replay fits from each of its days before it, on one read of the history. A
   * replay over a store that holds forecasts already (an earlier run) begins after the latest.
   */
  async finish(): Promise<void> {
    this.stopTimer();
    await this.running;
    const span = await eventTimeSpan(this.store);
    if (span === null) return;
    const replay = this.options.schedule === 'replay';
    const stored = replay ? ((await latestForecastOrigin(this.store)) ?? -Infinity) : -Infinity;
    const after = Math.max(this.lastOriginMs, stored);
    const origins = (replay ? replayOrigins(span.oldestMs, span.newestMs, this.options.horizon) : [hourStartOf(span.newestMs) + HOUR_MS]).filter((o) => o > after);
    if (origins.length === 0) return;
    const started = Date.now();
    const sales = await hourlySales(this.store, origins[0]! - this.options.historyHours * HOUR_MS, origins.at(-1)!);
    // Every origin's fits queue on the two threads at once; the forecasts go in one insert.
    const forecasts = await Promise.all(origins.map((origin) => this.fit(sales, origin)));
    await this.storeForecasts(forecasts, started);
  }

  async stop(): Promise<void> {
    this.stopTimer();
    await this.running;
    await Promise.all([this.threads.revenue.close(), this.threads.orders.close()]);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private poll(): void {
    if (this.busy || Date.now() < this.nextFitAtMs) return;
    this.busy = true;
    this.running = eventTimeSpan(this.store)
      .then(async (span) => {
        // The hour holding the newest event is still filling: the history ends before it.
        const origin = span === null ? undefined : hourStartOf(span.newestMs);
        if (origin === undefined || origin <= this.lastOriginMs) return;
        const started = Date.now();
        await this.storeForecasts([await this.fit(await this.historyBefore(origin), origin)], started);
      })
      // A failed fit (the store busy, the thread gone) is tried again at the next poll; ingestion goes on.
      .catch((err: unknown) => this.logger.warn({ err }, 'revenue forecast failed'))
      .finally(() => (this.busy = false));
  }

  private historyBefore(originMs: number): Promise<HourlySales[]> {
    return hourlySales(this.store, originMs - this.options.historyHours * HOUR_MS, originMs);
  }

  /** The forecast from `originMs`, fitted on the hours of `sales` within the history before it. */
  private async fit(sales: readonly HourlySales[], originMs: number): Promise<RevenueForecast> {
    const fromMs = originMs - this.options.historyHours * HOUR_MS;
    const history = sales.filter((s) => s.hourStartMs >= fromMs && s.hourStartMs < originMs);
    const [revenue, orders] = await Promise.all(
      (['revenue', 'orders'] as const).map((series) => this.threads[series].fit(seriesOf(history, series), originMs, this.options.horizon)),
    );
    const forecast = revenueForecastOf(revenue!, orders!);
    this.logger.debug({ origin: new Date(originMs).toISOString(), model: forecast.model, calibration: { revenue: revenue!.calibration, orders: orders!.calibration } }, 'revenue forecast fitted');
    return forecast;
  }

  /** Stores forecasts fitted since `startedMs` (the read before them included), and times the next live fit by their cost. */
  private async storeForecasts(forecasts: readonly RevenueForecast[], startedMs: number): Promise<void> {
    const fitted = Date.now();
    await writeRevenueForecasts(this.store, forecasts, fitted);
    const done = Date.now();
    this.lastOriginMs = Math.max(this.lastOriginMs, ...forecasts.map((f) => f.madeAtMs));
    // Two threads busy for the fits' time: twice its wall time counts against the share.
    this.nextFitAtMs = done + Math.max(this.options.minIntervalMs, (done - startedMs) * (2 / this.options.maxBusyShare - 1));
    this.fits += forecasts.length;
    this.logger.debug({ forecasts: forecasts.length, fitMs: fitted - startedMs, writeMs: done - fitted }, 'revenue forecasts stored');
  }
}
