// GET /api/forecast: the hourly revenue and orders forecast with its 80 % and 95 % bands. Without
// from/to: the newest forecast (the latest origin). With from/to: the forecast made before the
// range (the latest origin at or before from) over the range's hours, or none unless it covers
// them all: what the KPI tile sets the range's revenue against.
import type { FastifyPluginAsync } from 'fastify';
import { forecastOfSpan, latestRevenueForecast, type ForecastBand, type RevenueForecast } from '../../aggregates/forecast-queries.ts';
import { isoMillisOfMs } from '../../core/time-format.ts';
import { Q, errorReplies } from '../schemas.ts';
import { timeSpan, type RangeQuery, type Span } from './params.ts';
import type { StoreRouteOptions } from './sales.ts';

const num = { type: 'number' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const strict = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false }) as const;
const band = strict({ point: num, lo80: num, hi80: num, lo95: num, hi95: num });

/** The answer; made_at null and no hours while no forecast is stored (or none covers the range). */
export const FORECAST_SCHEMA = strict({
  made_at: nullableTime,
  model: nullableStr,
  fallback_reason: nullableStr,
  orders_model: nullableStr,
  orders_fallback_reason: nullableStr,
  hours: { type: 'array', items: strict({ hour: { type: 'string', format: 'date-time' }, revenue: band, orders: band }) },
  // Sums of the hours' points (the range's expected revenue and orders); with from/to, each hour
  // weighted by the share of it inside the range.
  total: strict({ revenue: num, orders: num }),
});

const NONE = { made_at: null, model: null, fallback_reason: null, orders_model: null, orders_fallback_reason: null, hours: [], total: { revenue: 0, orders: 0 } };

const HOUR_MS = 3_600_000;

/** The forecast as the API answers it; `span` weighs each hour by the share of it inside the range. */
function forecastAnswer(f: RevenueForecast | null, span?: Span) {
  if (!f) return NONE;
  const weight = (hourMs: number) => (span ? Math.max(0, Math.min(hourMs + HOUR_MS, span.to) - Math.max(hourMs, span.from)) / HOUR_MS : 1);
  const sum = (pick: (h: RevenueForecast['hours'][number]) => ForecastBand) => f.hours.reduce((s, h) => s + pick(h).point * weight(h.hourStartMs), 0);
  return {
    made_at: isoMillisOfMs(f.madeAtMs),
    model: f.model,
    fallback_reason: f.fallbackReason,
    orders_model: f.ordersModel,
    orders_fallback_reason: f.ordersFallbackReason,
    hours: f.hours.map((h) => ({ hour: isoMillisOfMs(h.hourStartMs), revenue: h.revenue, orders: h.orders })),
    total: { revenue: sum((h) => h.revenue), orders: sum((h) => h.orders) },
  };
}

const forecastRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  app.get<{ Querystring: Pick<RangeQuery, 'from' | 'to'> }>(
    '/forecast',
    {
      schema: {
        querystring: { type: 'object', properties: { from: Q.from, to: Q.to } },
        response: { 200: FORECAST_SCHEMA, ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const span = timeSpan(req.query);
      return span ? forecastAnswer(await forecastOfSpan(store, span.from, span.to), span) : forecastAnswer(await latestRevenueForecast(store));
    },
  );
};

export default forecastRoutes;
