// GET /api/alerts: the alerts firing now (each alert whose latest change is `firing`) and the
// recent history of state changes, newest first, from the `alerts` table the evaluator writes.
// The page shows a banner while `firing` is not empty and the history in its alerts panel.
import type { FastifyPluginAsync } from 'fastify';
import { firingAlertRecords, recentAlertRecords, type AlertRecord } from '../../aggregates/alert-queries.ts';
import { isoMillisOfMs } from '../../core/time-format.ts';
import { Q, errorReplies } from '../schemas.ts';
import type { StoreRouteOptions } from './sales.ts';

const strict = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false }) as const;
const time = { type: 'string', format: 'date-time' } as const;

const ALERT_SCHEMA = strict({
  rule: { type: 'string' },
  kind: { type: 'string', enum: ['pipeline', 'business'] },
  labels: { type: 'object', additionalProperties: { type: 'string' } },
  state: { type: 'string', enum: ['pending', 'firing', 'resolved', 'inactive'] },
  value: { type: 'number' },
  // Wall clock for pipeline rules, event time for business rules.
  changed_at: time,
  started_at: time,
  resolved_at: { type: ['string', 'null'], format: 'date-time' },
  summary: { type: 'string' },
  notified: { type: 'array', items: { type: 'string' } },
});

export const ALERTS_SCHEMA = strict({ firing: { type: 'array', items: ALERT_SCHEMA }, history: { type: 'array', items: ALERT_SCHEMA } });

function alertAnswer(r: AlertRecord) {
  return {
    rule: r.rule,
    kind: r.kind,
    labels: r.labels,
    state: r.state,
    value: r.value,
    changed_at: isoMillisOfMs(r.changedAtMs),
    started_at: isoMillisOfMs(r.startedAtMs),
    resolved_at: r.resolvedAtMs === undefined ? null : isoMillisOfMs(r.resolvedAtMs),
    summary: r.summary,
    notified: r.notified,
  };
}

const alertRoutes: FastifyPluginAsync<StoreRouteOptions> = async (app, { store }) => {
  app.get<{ Querystring: { limit: number } }>(
    '/alerts',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: Q.limit(50, 1000) }, additionalProperties: false },
        response: { 200: ALERTS_SCHEMA, ...errorReplies(400, 401, 503) },
      },
    },
    async (req) => {
      const [firing, history] = await Promise.all([firingAlertRecords(store), recentAlertRecords(store, req.query.limit)]);
      return { firing: firing.map(alertAnswer), history: history.map(alertAnswer) };
    },
  );
};

export default alertRoutes;
