// Pipeline health: the job's metrics (where it runs in this process), the store's late and rejected counts, event time (see
// ../event-time.ts), and the state of each component (running, retrying since when and why, failed) so that a stall is visible.
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../../aggregates/store.ts';
import type { ComponentsView } from '../../core/component-status.ts';
import type { JobView } from '../../stream/job-view.ts';
import { sideOutputCounts } from '../../aggregates/count-queries.ts';
import { eventTimeProgress } from '../../aggregates/event-time-queries.ts';
import { eventTimeView } from '../event-time.ts';
import { NoJobError } from '../errors.ts';
import { errorReplies } from '../schemas.ts';

export interface HealthRouteOptions {
  store: Store;
  job?: JobView;
  components?: () => ComponentsView;
}

const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { store, job, components }) => {
  app.get(
    '/health',
    {
      schema: {
        querystring: { type: 'object', properties: {} },
        response: { 200: { $ref: 'health#' }, ...errorReplies(401, 503) },
      },
    },
    async () => {
      // Without an aggregator here, the components say what runs (a dashboard of its own: no pipeline numbers).
      if (!job && !components) throw new NoJobError();
      const [counts, progress] = await Promise.all([sideOutputCounts(store), eventTimeProgress(store)]);
      return { ...job?.metrics(), store: counts, eventTime: eventTimeView(progress.finalThrough, progress.newest), components: components?.() ?? {} };
    },
  );
};

export default healthRoutes;
