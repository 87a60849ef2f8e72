// The forecast component of `start` and `backfill`: when the store's newest event time passes an
// hour boundary (an hour of event time completed), fit the next hours from the history before
// that hour on the forecast thread and store them in revenue_forecast. Off the event path: it
// reads the store on its own timer, so ingestion never waits for it. A backfill's event time
// races ahead, so fits are at least `minIntervalMs` of wall time apart and, whatever a fit costs,
// busy at most `maxBusyShare` of the wall time; `finish` fits once more at the end of the input.
import { hourlySales, newestEventTime, writeRevenueForecast } from '../../aggregates/forecast-queries.ts';
import type { Store } from '../../aggregates/store.ts';
import type { Logger } from '../../core/logger.ts';
import { FORECAST_DEFAULTS } from '../../stream/forecast/index.ts';
import { revenueForecastOf, seriesOf } from './fit-forecast.ts';
import { ForecastThread } from './forecast-thread.ts';

const HOUR_MS = 3_600_000;

export interface ForecastRefreshOptions {
  /** Hours forecast from each origin. */
  horizon: number;
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
  pollMs: 1_000,
  minIntervalMs: 5_000,
  historyHours: FORECAST_DEFAULTS.maxHistoryHours,
  maxBusyShare: 0.05,
};

const hourStartOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

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
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  /** End of input: every hour seen is complete, so the last fit's origin is the hour after the newest event. */
  async finish(): Promise<void> {
    this.stopTimer();
    await this.running;
    const newest = await newestEventTime(this.store);
    if (newest !== null) await this.fitAt(hourStartOf(newest) + HOUR_MS);
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
    this.running = newestEventTime(this.store)
      .then(async (newest) => {
        // The hour holding the newest event is still filling: the history ends before it.
        if (newest !== null && hourStartOf(newest) > this.lastOriginMs) await this.fitAt(hourStartOf(newest));
      })
      // A failed fit (the store busy, the thread gone) is tried again at the next poll; ingestion goes on.
      .catch((err: unknown) => this.logger.warn({ err }, 'revenue forecast failed'))
      .finally(() => (this.busy = false));
  }

  private async fitAt(originMs: number): Promise<void> {
    if (originMs <= this.lastOriginMs) return;
    const started = Date.now();
    const sales = await hourlySales(this.store, originMs - this.options.historyHours * HOUR_MS, originMs);
    const read = Date.now();
    const [revenue, orders] = await Promise.all(
      (['revenue', 'orders'] as const).map((series) => this.threads[series].fit(seriesOf(sales, series), originMs, this.options.horizon)),
    );
    const forecast = revenueForecastOf(revenue!, orders!);
    const calibration = { revenue: revenue!.calibration, orders: orders!.calibration };
    const fitted = Date.now();
    await writeRevenueForecast(this.store, forecast, fitted);
    const done = Date.now();
    this.lastOriginMs = originMs;
    // Two threads busy for the fit's time: twice its wall time counts against the share.
    this.nextFitAtMs = done + Math.max(this.options.minIntervalMs, (done - started) * (2 / this.options.maxBusyShare - 1));
    this.fits += 1;
    const ms = { readMs: read - started, fitMs: fitted - read, writeMs: done - fitted };
    this.logger.debug({ origin: new Date(originMs).toISOString(), model: forecast.model, calibration, ...ms }, 'revenue forecast stored');
  }
}
