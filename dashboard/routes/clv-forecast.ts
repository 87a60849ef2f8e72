// Predicted lifetime value (BG/NBD + Gamma-Gamma, the customer_value_forecast and clv_models
// tables): customers at risk, the top predicted value over 12 months, the distribution of
// P(alive) and the model card. The past-revenue routes of /clv are in clv.ts.
import type { FastifyPluginAsync } from 'fastify';
import { clvModelCard, customersAtRisk, pAliveDistribution, topPredictedValue } from '../../aggregates/clv-queries.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import { Q, arrayOf, errorReplies } from '../schemas.ts';
import type { StoreRouteOptions } from './sales.ts';

const limit = Q.limit(D.clvForecastLimit, D.maxClvForecastLimit);

const clvForecastRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  app.get<{ Querystring: { limit: number; p_alive_below: number } }>(
    '/clv/at-risk',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            limit,
            p_alive_below: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: D.atRiskPAliveBelow, description: 'customers whose P(alive) is below this' },
          },
        },
        response: { 200: arrayOf('customerForecast'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => customersAtRisk(store, req.query.limit, req.query.p_alive_below),
  );

  app.get<{ Querystring: { limit: number } }>(
    '/clv/top-value',
    {
      schema: {
        querystring: { type: 'object', properties: { limit } },
        response: { 200: arrayOf('customerForecast'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => topPredictedValue(store, req.query.limit),
  );

  app.get<{ Querystring: { bins: number } }>(
    '/clv/p-alive',
    {
      schema: {
        querystring: { type: 'object', properties: { bins: Q.limit(D.pAliveBins, D.maxBuckets) } },
        response: { 200: arrayOf('pAliveBin'), ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => pAliveDistribution(store, req.query.bins),
  );

  app.get(
    '/clv/model',
    { schema: { response: { 200: { $ref: 'clvModelCard#' }, ...errorReplies(401, 503) } } },
    async () => clvModelCard(store),
  );
};

export default clvForecastRoutes;
