// Sales routes: top products, a product's series, revenue per minute or hour, the funnel, product
// labels, and the brands/categories the filters offer. Encapsulated; the store comes in as an option.
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../../aggregates/store.ts';
import { funnel, productSeries, revenuePerMinute, revenueSeries, topProducts, type SeriesBucket } from '../../aggregates/sales-queries.ts';
import { filterOptions, productLabels } from '../../aggregates/product-queries.ts';
import { latestWindowEnd } from '../../aggregates/event-time-queries.ts';
import type { ProductFilter } from '../../aggregates/query-conditions.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import { BadParamsError } from '../errors.ts';
import { Q, arrayOf, errorReplies } from '../schemas.ts';
import { resolveSpan, windowRange, type RangeQuery } from './params.ts';

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
const rangeProps = { windows: Q.windows, from: Q.from, to: Q.to, span: Q.span, ...filterProps };
const spanProps = { from: Q.from, to: Q.to, span: Q.span };
const filterOf = (q: FilterQuery): ProductFilter => ({ brand: q.brand, category: q.category });

const salesRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  const latestEnd = () => latestWindowEnd(store);
  /** The given range, or the last hour of event time the store holds (null: the store is empty). */
  const spanOrLatest = (q: RangeQuery, maxSpanMs?: number) => resolveSpan(q, latestEnd, D.defaultSpan, maxSpanMs);

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
      const range = await windowRange(req.query, latestEnd, { kind: 'span', span: D.defaultSpan });
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
    async (req) => funnel(store, await windowRange(req.query, latestEnd, { kind: 'all' }), filterOf(req.query)),
  );

  app.get<{ Querystring: RangeQuery & FilterQuery & { bucket?: SeriesBucket } }>(
    '/revenue-series',
    {
      schema: {
        querystring: { type: 'object', properties: { ...spanProps, ...filterProps, bucket: { type: 'string', enum: ['minute', 'hour'] } } },
        response: { 200: { $ref: 'revenueSeries#' }, ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const span = await spanOrLatest(req.query, D.maxLongSpanMs);
      const length = span ? span.to - span.from : 0;
      const bucket = req.query.bucket ?? (length > D.minuteBucketsUpToMs ? 'hour' : 'minute');
      if (bucket === 'minute' && length > D.maxSpanMs) throw new BadParamsError(`minute buckets cover at most ${D.maxSpanMs / 60_000} minutes; use bucket=hour`);
      if (!span) return { bucket, from: null, to: null, points: [] };
      const points = await revenueSeries(store, span.from, span.to, bucket, filterOf(req.query));
      return { bucket, from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString(), points };
    },
  );

  app.get<{ Querystring: { ids: string } }>(
    '/product-labels',
    {
      schema: {
        // Up to 100 comma-separated product ids.
        querystring: {
          type: 'object',
          properties: { ids: { type: 'string', pattern: '^[0-9]{1,19}(,[0-9]{1,19}){0,99}$' } },
          required: ['ids'],
        },
        response: { 200: arrayOf('productLabel'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const labels = await productLabels(store, req.query.ids.split(','));
      return [...labels].map(([product_id, l]) => ({ product_id, ...l }));
    },
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
