// Pipeline health: the job's metrics plus the store's late and rejected counts.
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../../aggregates/store.ts';
import type { AggregatorJob } from '../../stream/job.ts';
import { sideOutputCounts } from '../../aggregates/dashboard-queries.ts';
import { NoJobError } from '../errors.ts';
import { errorReplies } from '../schemas.ts';

export interface HealthRouteOptions {
  store: Store;
  job?: AggregatorJob;
}

const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { store, job }) => {
  app.get(
    '/health',
    {
      schema: {
        querystring: { type: 'object', properties: {} },
        response: { 200: { $ref: 'health#' }, ...errorReplies(401, 503) },
      },
    },
    async () => {
      if (!job) throw new NoJobError();
      return { ...job.metrics(), store: await sideOutputCounts(store) };
    },
  );
};

export default healthRoutes;
