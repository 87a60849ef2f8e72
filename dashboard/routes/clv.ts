// Customer lifetime value: the leaderboard and the distribution of lifetime revenue.
import type { FastifyPluginAsync } from 'fastify';
import { clvDistribution, clvLeaderboard } from '../../aggregates/customer-queries.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import { Q, arrayOf, errorReplies } from '../schemas.ts';
import type { StoreRouteOptions } from './sales.ts';

const clvRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  app.get<{ Querystring: { limit: number } }>(
    '/clv/leaderboard',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: Q.limit(D.leaderboardLimit, D.maxLeaderboardLimit) } },
        response: { 200: arrayOf('customerValue'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => clvLeaderboard(store, req.query.limit),
  );

  app.get<{ Querystring: { buckets: number } }>(
    '/clv/distribution',
    {
      schema: {
        querystring: { type: 'object', properties: { buckets: Q.limit(D.buckets, D.maxBuckets) } },
        response: { 200: arrayOf('bucket'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => clvDistribution(store, req.query.buckets),
  );
};

export default clvRoutes;
