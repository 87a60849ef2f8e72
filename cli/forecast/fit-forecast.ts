// One fit of the revenue forecast: the store's hourly sales before the origin, both series
// (revenue, orders) forecast by the forecaster (stream/forecast), as the rows revenue_forecast
// keeps. Pure: the worker thread runs it, the refresher reads and writes around it.
import type { HourlySales, RevenueForecast } from '../../aggregates/forecast-queries.ts';
import { forecastHourly } from '../../stream/forecast/index.ts';
import type { HourlyForecast } from '../../stream/forecast/index.ts';

export function fitRevenueForecast(sales: readonly HourlySales[], originMs: number, horizon: number): RevenueForecast {
  const revenue = forecastHourly(sales.map((s) => ({ hourStartMs: s.hourStartMs, value: s.revenue })), originMs, { horizon });
  const orders = forecastHourly(sales.map((s) => ({ hourStartMs: s.hourStartMs, value: s.orders })), originMs, { horizon });
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
