// The revenue forecast's rows from the forecasts of its two series (revenue and orders, each
// fitted on its own forecast thread). Pure.
import type { HourlySales, RevenueForecast } from '../../aggregates/forecast-queries.ts';
import type { HourlyForecast, HourlyPoint } from '../../stream/forecast/index.ts';

export type SalesSeries = 'revenue' | 'orders';

/** One series of the store's hourly sales as the forecaster takes it. */
export const seriesOf = (sales: readonly HourlySales[], series: SalesSeries): HourlyPoint[] => sales.map((s) => ({ hourStartMs: s.hourStartMs, value: s[series] }));

/** The rows of one origin: both forecasts are of the same origin and horizon. */
export function revenueForecastOf(revenue: HourlyForecast, orders: HourlyForecast): RevenueForecast {
  const band = (f: HourlyForecast, h: number) => {
    const { point, lo80, hi80, lo95, hi95 } = f.hours[h]!;
    return { point, lo80, hi80, lo95, hi95 };
  };
  return {
    madeAtMs: revenue.originMs,
    model: revenue.model,
    fallbackReason: revenue.fallbackReason,
    ordersModel: orders.model,
    ordersFallbackReason: orders.fallbackReason,
    hours: revenue.hours.map((h, i) => ({ hourStartMs: h.hourStartMs, revenue: band(revenue, i), orders: band(orders, i) })),
  };
}
