// Sales routes: top products, a product's series, revenue per minute, the funnel, and the
// brands/categories the filters offer. Encapsulated; the store comes in as an option.
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../../aggregates/store.ts';
import {
  filterOptions,
  funnel,
  latestWindowEnd,
  productSeries,
  revenuePerMinute,
  topProducts,
  type ProductFilter,
} from '../../aggregates/dashboard-queries.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import { Q, arrayOf, errorReplies } from '../schemas.ts';
import { timeSpan, windowRange, type RangeQuery } from './params.ts';

export interface StoreRouteOptions {
  store: Store;
}

/** The brand/category filter every sales chart takes. */
interface FilterQuery {
  brand?: string;
  category?: string;
}

interface TopQuery extends RangeQuery, FilterQuery {
  limit: number;
}

const filterProps = { brand: Q.brand, category: Q.category };
const rangeProps = { windows: Q.windows, from: Q.from, to: Q.to, ...filterProps };
const spanProps = { from: Q.from, to: Q.to };
const filterOf = (q: FilterQuery): ProductFilter => ({ brand: q.brand, category: q.category });

const salesRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  /** The given span, or the last hour of event time the store holds (null: the store is empty). */
  async function spanOrLatest(q: RangeQuery): Promise<{ from: number; to: number } | null> {
    const span = timeSpan(q);
    if (span) return span;
    const end = await latestWindowEnd(store);
    return end === null ? null : { from: end - D.defaultSpanMs, to: end };
  }

  app.get<{ Querystring: TopQuery }>(
    '/top-products',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { ...rangeProps, limit: Q.limit(D.topLimit, D.maxTopLimit) },
        },
        response: { 200: arrayOf('topProduct'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const range = windowRange(req.query, { kind: 'latest', windows: D.topWindows });
      return topProducts(store, range, req.query.limit, filterOf(req.query));
    },
  );

  app.get<{ Params: { productId: string }; Querystring: RangeQuery }>(
    '/products/:productId/series',
    {
      schema: {
        params: {
          type: 'object',
          properties: { productId: { type: 'string', pattern: '^[0-9]{1,19}$' } },
          required: ['productId'],
        },
        querystring: { type: 'object', properties: spanProps },
        response: { 200: arrayOf('seriesPoint'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const span = await spanOrLatest(req.query);
      return span ? productSeries(store, req.params.productId, span.from, span.to) : [];
    },
  );

  app.get<{ Querystring: RangeQuery & FilterQuery }>(
    '/revenue-per-minute',
    {
      schema: {
        querystring: { type: 'object', properties: { ...spanProps, ...filterProps } },
        response: { 200: arrayOf('minutePoint'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const span = await spanOrLatest(req.query);
      return span ? revenuePerMinute(store, span.from, span.to, filterOf(req.query)) : [];
    },
  );

  app.get<{ Querystring: RangeQuery & FilterQuery }>(
    '/funnel',
    {
      schema: {
        querystring: { type: 'object', properties: rangeProps },
        response: { 200: { $ref: 'funnel#' }, ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => funnel(store, windowRange(req.query, { kind: 'all' }), filterOf(req.query)),
  );

  app.get<{ Querystring: { limit: number } }>(
    '/filters',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: Q.limit(50, 500) } },
        response: {
          200: {
            type: 'object',
            properties: { brands: { type: 'array', items: { type: 'string' } }, categories: { type: 'array', items: { type: 'string' } } },
            required: ['brands', 'categories'],
          },
          ...errorReplies(400, 401, 503),
        },
      },
    },
    async (req) => filterOptions(store, req.query.limit),
  );
};

export default salesRoutes;
