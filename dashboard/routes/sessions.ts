// Session routes: cart abandonment of a range of event time (from/to, span, by default the latest
// hour) against the range before it, with its series per hour of session end, and the products
// most left in carts. Sessions count in the range their last event falls in.
import type { FastifyPluginAsync } from 'fastify';
import { latestWindowEnd } from '../../aggregates/event-time-queries.ts';
import { abandonment, abandonmentPerHour, topAbandonedProducts, type Abandonment } from '../../aggregates/session-queries.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import { Q, arrayOf, errorReplies } from '../schemas.ts';
import { previousSpan, relativeChange, resolveSpan, type RangeQuery } from './params.ts';
import type { StoreRouteOptions } from './sales.ts';
import { isoMillisOfMs } from '../../core/time-format.ts';

interface SessionQuery extends RangeQuery {
  brand?: string;
  category?: string;
}

const KEYS = ['sessions', 'sessions_with_cart', 'sessions_with_purchase', 'abandoned', 'abandonment_rate', 'abandoned_value'] as const;
const ZERO: Abandonment = { sessions: 0, sessions_with_cart: 0, sessions_with_purchase: 0, abandoned: 0, abandonment_rate: 0, abandoned_value: 0 };

const abandonmentChange = (current: Abandonment, previous: Abandonment) => relativeChange(KEYS, current, previous);

const rangeProps = { from: Q.from, to: Q.to, span: Q.span, brand: Q.brand, category: Q.category };
const filterOf = (q: SessionQuery) => ({ brand: q.brand, category: q.category });

const sessionRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  /** The given range, or the last hour of event time the store holds (null: the store is empty). */
  const spanOf = (q: RangeQuery) => resolveSpan(q, () => latestWindowEnd(store), D.defaultSpan, D.maxLongSpanMs);

  app.get<{ Querystring: SessionQuery }>(
    '/sessions/abandonment',
    {
      schema: {
        querystring: { type: 'object', properties: rangeProps },
        response: { 200: { $ref: 'sessionAbandonment#' }, ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      const span = await spanOf(q);
      if (!span) {
        return { from: null, to: null, previous_from: null, previous_to: null, current: ZERO, previous: ZERO, change: abandonmentChange(ZERO, ZERO), hours: [] };
      }
      const before = previousSpan(span, q.span ?? (q.from === undefined ? D.defaultSpan : undefined));
      const [[current, previous], hours] = await Promise.all([abandonment(store, [span, before], filterOf(q)), abandonmentPerHour(store, span, filterOf(q))]);
      return {
        from: isoMillisOfMs(span.from),
        to: isoMillisOfMs(span.to),
        previous_from: isoMillisOfMs(before.from),
        previous_to: isoMillisOfMs(before.to),
        current: current!,
        previous: previous!,
        change: abandonmentChange(current!, previous!),
        hours,
      };
    },
  );

  app.get<{ Querystring: SessionQuery & { limit: number } }>(
    '/sessions/abandoned-products',
    {
      schema: {
        querystring: { type: 'object', properties: { ...rangeProps, limit: Q.limit(D.topLimit, D.maxTopLimit) } },
        response: { 200: arrayOf('abandonedProduct'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const span = await spanOf(req.query);
      return span ? topAbandonedProducts(store, span, req.query.limit, filterOf(req.query)) : [];
    },
  );
};

export default sessionRoutes;
