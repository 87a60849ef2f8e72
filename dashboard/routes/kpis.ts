// GET /api/kpis: the analyst's tiles for a range of event time (from/to, span, by default the
// latest hour) and the same numbers for the range before it, with the relative change.
import type { FastifyPluginAsync } from 'fastify';
import { latestWindowEnd } from '../../aggregates/event-time-queries.ts';
import { kpiValues, type KpiValues } from '../../aggregates/kpi-queries.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import { Q, errorReplies } from '../schemas.ts';
import { previousSpan, relativeChange, resolveSpan, type RangeQuery } from './params.ts';
import type { StoreRouteOptions } from './sales.ts';
import { isoMillisOfMs } from '../../core/time-format.ts';

interface KpiQuery extends RangeQuery {
  brand?: string;
  category?: string;
}

const CHANGED = ['revenue', 'orders', 'buyers', 'avg_order_value', 'conversion'] as const;
const ZERO: KpiValues = { revenue: 0, orders: 0, buyers: 0, purchases: 0, views: 0, avg_order_value: 0, conversion: 0 };

/** The relative change of each tile against the previous range. */
export const kpiChange = (current: KpiValues, previous: KpiValues) => relativeChange(CHANGED, current, previous);

const kpiRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  app.get<{ Querystring: KpiQuery }>(
    '/kpis',
    {
      schema: {
        querystring: { type: 'object', properties: { from: Q.from, to: Q.to, span: Q.span, brand: Q.brand, category: Q.category } },
        response: { 200: { $ref: 'kpis#' }, ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      const span = await resolveSpan(q, () => latestWindowEnd(store), D.defaultSpan, D.maxLongSpanMs);
      if (!span) return { from: null, to: null, previous_from: null, previous_to: null, current: ZERO, previous: ZERO, change: kpiChange(ZERO, ZERO) };
      const before = previousSpan(span, q.span ?? (q.from === undefined ? D.defaultSpan : undefined));
      const [current, previous] = await kpiValues(store, [span, before], { brand: q.brand, category: q.category });
      return {
        from: isoMillisOfMs(span.from),
        to: isoMillisOfMs(span.to),
        previous_from: isoMillisOfMs(before.from),
        previous_to: isoMillisOfMs(before.to),
        current: current!,
        previous: previous!,
        change: kpiChange(current!, previous!),
      };
    },
  );
};

export default kpiRoutes;
