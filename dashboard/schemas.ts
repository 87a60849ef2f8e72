// Shared JSON schemas of the API, registered once with addSchema and referenced by $id.
// Querystring properties are shared as plain fragments.
import { DASHBOARD_DEFAULTS as D } from './defaults.ts';

const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullableNum = { type: ['number', 'null'] } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

function object(properties: Record<string, unknown>, id?: string) {
  return { ...(id ? { $id: id } : {}), type: 'object', properties, required: Object.keys(properties), additionalProperties: false } as const;
}

/** An object schema of which only `required` must be present. */
function withRequired(required: string[], properties: Record<string, unknown>, id: string) {
  return { ...object(properties, id), required };
}

const abandonmentProps = { sessions: int, sessions_with_cart: int, sessions_with_purchase: int, abandoned: int, abandonment_rate: num, abandoned_value: num };

export const SHARED_SCHEMAS = [
  {
    $id: 'dashError',
    type: 'object',
    properties: { statusCode: int, code: str, error: str, message: str, retriable: { type: 'boolean' } },
    required: ['statusCode', 'message'],
  },
  object({ product_id: str, brand: str, category_code: str, revenue: num, purchases: int, views: int, carts: int, removals: int }, 'topProduct'),
  object({ product_id: str, brand: str, category_code: str }, 'productLabel'),
  object({ window_start: time, revenue: num, purchases: int, views: int }, 'seriesPoint'),
  object({ minute: time, revenue: num, purchases: int }, 'minutePoint'),
  object({ start: time, revenue: num, purchases: int }, 'revenuePoint'),
  object(
    { bucket: { type: 'string', enum: ['minute', 'hour'] }, from: nullableTime, to: nullableTime, points: { type: 'array', items: { $ref: 'revenuePoint#' } } },
    'revenueSeries',
  ),
  object({ revenue: num, orders: int, buyers: int, purchases: int, views: int, avg_order_value: num, conversion: num }, 'kpiValues'),
  object(
    {
      from: nullableTime,
      to: nullableTime,
      previous_from: nullableTime,
      previous_to: nullableTime,
      current: { $ref: 'kpiValues#' },
      previous: { $ref: 'kpiValues#' },
      // Relative change against the previous range; null when the previous value is 0.
      change: object({ revenue: nullableNum, orders: nullableNum, buyers: nullableNum, avg_order_value: nullableNum, conversion: nullableNum }),
    },
    'kpis',
  ),
  object(abandonmentProps, 'abandonment'),
  object({ hour: time, ...abandonmentProps }, 'abandonmentHour'),
  object(
    {
      from: nullableTime,
      to: nullableTime,
      previous_from: nullableTime,
      previous_to: nullableTime,
      current: { $ref: 'abandonment#' },
      previous: { $ref: 'abandonment#' },
      // Relative change against the previous range; null when the previous value is 0.
      change: object({
        sessions: nullableNum,
        sessions_with_cart: nullableNum,
        sessions_with_purchase: nullableNum,
        abandoned: nullableNum,
        abandonment_rate: nullableNum,
        abandoned_value: nullableNum,
      }),
      hours: { type: 'array', items: { $ref: 'abandonmentHour#' } },
    },
    'sessionAbandonment',
  ),
  object({ product_id: str, brand: str, category_code: str, sessions_carted: int, sessions_abandoned: int, abandoned_value: num }, 'abandonedProduct'),
  // Event time for people: how far the final results have got (the watermark), the newest event
  // in the events table, the gap between them, and the wall-clock delay only when event time is near now.
  object({ reached: nullableNum, newest: nullableNum, lagMs: nullableNum, wallClockDelayMs: nullableNum }, 'eventTime'),
  object(
    { user_id: str, revenue: num, purchases: int, orders: int, avg_order_value: num, first_purchase_at: time, last_purchase_at: time },
    'customerValue',
  ),
  object({ lower: num, upper: num, users: int }, 'bucket'),
  // Predicted lifetime value (aggregates/clv-queries.ts): a scored customer beside their past revenue.
  object(
    {
      user_id: str,
      past_revenue: num,
      orders: int,
      last_purchase_at: time,
      frequency: int,
      p_alive: num,
      expected_orders_30d: num,
      expected_orders_365d: num,
      expected_order_value: num,
      predicted_value_12m: num,
      as_of: time,
    },
    'customerForecast',
  ),
  object({ lower: num, upper: num, customers: int }, 'pAliveBin'),
  object(
    {
      fitted_at: time,
      customers: int,
      repeat_customers: int,
      r: nullableNum,
      alpha: nullableNum,
      a: nullableNum,
      b: nullableNum,
      bgnbd_log_likelihood: nullableNum,
      p: nullableNum,
      q: nullableNum,
      gamma: nullableNum,
      gg_log_likelihood: nullableNum,
      iterations: int,
      converged: { type: 'boolean' },
      duration_ms: int,
      time_unit: str,
      source: str,
    },
    'clvModel',
  ),
  object(
    {
      evaluated_at: time,
      calibration_end: time,
      holdout_end: time,
      customers: int,
      total_predicted: num,
      total_actual: int,
      mean_absolute_error: num,
    },
    'clvEvaluation',
  ),
  // null: no model fitted yet, no evaluation stored.
  object({ model: { anyOf: [{ $ref: 'clvModel#' }, { type: 'null' }] }, evaluation: { anyOf: [{ $ref: 'clvEvaluation#' }, { type: 'null' }] } }, 'clvModelCard'),
  object({ views: int, carts: int, purchases: int, view_to_cart: num, cart_to_purchase: num, view_to_purchase: num }, 'funnel'),
  object(
    {
      window_start: time,
      window_end: time,
      product_id: str,
      partition: int,
      revenue: num,
      purchases: int,
      views: int,
      carts: int,
      removals: int,
      is_final: { type: 'boolean' },
      version: int,
    },
    'liveSalesRow',
  ),
  object({ late: int, rejected: int }, 'sideOutputs'),
  {
    $id: 'componentStatus',
    type: 'object',
    properties: { state: { type: 'string', enum: ['running', 'retrying', 'failed'] }, since: time, reason: str },
    required: ['state', 'since'],
    additionalProperties: false,
  },
  // The pipeline's fields only where an aggregator runs in the process (not in `--role dashboard`).
  withRequired(
    ['store', 'eventTime', 'components'],
    {
      consumerLag: { type: 'object', additionalProperties: num },
      watermark: nullableNum,
      watermarkDelayMs: nullableNum,
      eventsInPerSecond: num,
      rowsOutPerSecond: num,
      eventsTotal: int,
      duplicatesTotal: int,
      lateTotal: int,
      rejectedTotal: int,
      openWindows: int,
      customers: int,
      openSessions: int,
      sessionStateBytes: int,
      stateKeys: int,
      stateBytes: int,
      latencyMs: object({ p50: nullableNum, p99: nullableNum, samples: int }),
      clv: object({ modelFittedAt: nullableNum, refits: int, lastFailure: { type: ['string', 'null'] } }),
      store: { $ref: 'sideOutputs#' },
      eventTime: { $ref: 'eventTime#' },
      // Keyed by component name: those of the roles this process runs (connector, aggregator, httpSource, liveFeed, …).
      components: { type: 'object', additionalProperties: { $ref: 'componentStatus#' } },
    },
    'health',
  ),
];

/** Querystring fragments. */
export const Q = {
  windows: { type: 'integer', minimum: 1, maximum: D.maxWindows, description: 'the latest N windows' },
  from: { ...time, description: 'first window start, ISO 8601 with Z or an offset' },
  to: { ...time, description: 'end (exclusive) of window starts, ISO 8601 with Z or an offset' },
  span: { type: 'string', pattern: '^(today|[1-9][0-9]{0,3}[mhd])$', description: 'the latest stretch of event time: 15m, 1h, 6h, 24h, 7d or today' },
  limit: (fallback: number, max: number) => ({ type: 'integer', minimum: 1, maximum: max, default: fallback }),
  brand: { type: 'string', minLength: 1, maxLength: 200 },
  category: { type: 'string', minLength: 1, maxLength: 200 },
} as const;

/** Response entries of the error statuses a route can answer. */
export function errorReplies(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'dashError#' }]));
}

export const arrayOf = (id: string) => ({ type: 'array', items: { $ref: `${id}#` } }) as const;
