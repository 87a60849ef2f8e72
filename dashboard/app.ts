// buildApp: the dashboard as an unstarted fastify instance (tests use inject; server.ts listens).
// JSON API under /api (each route group an encapsulated plugin), the live SSE stream, the
// optional HTTP ingest source, Prometheus metrics at /metrics, and the page.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Registry } from 'prom-client';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../core/config.ts';
import { logger as defaultLogger, type Logger } from '../core/logger.ts';
import type { Store } from '../aggregates/store.ts';
import type { ComponentsView } from '../core/component-status.ts';
import type { JobView } from '../stream/job-view.ts';
import { DASHBOARD_ERRORS, InternalError, NotFoundError, StoreError, isRetriable } from './errors.ts';
import { LiveHub, type EmissionSource } from './live.ts';
import auth, { takeQueryToken } from './plugins/auth.ts';
import alertRoutes from './routes/alerts.ts';
import clvRoutes from './routes/clv.ts';
import clvForecastRoutes from './routes/clv-forecast.ts';
import eventsRoutes, { type HttpSourceOptions } from './routes/events.ts';
import forecastRoutes from './routes/forecast.ts';
import healthRoutes from './routes/health.ts';
import metricsRoutes, { type AlertMetricsSource, type ConnectorMetricsSource } from './routes/metrics.ts';
import kpiRoutes from './routes/kpis.ts';
import pageRoutes from './routes/page.ts';
import salesRoutes from './routes/sales.ts';
import sessionRoutes from './routes/sessions.ts';
import streamRoutes from './routes/stream.ts';
import { SHARED_SCHEMAS } from './schemas.ts';

export interface BuildAppOptions {
  config: Config;
  store: Store;
  /** The aggregator of this process (a job or its supervisor): live push and health. */
  job?: JobView;
  /** The emissions the live push follows when no job runs here (the results topics: results-follower.ts). */
  emissions?: EmissionSource;
  /** The state of each component of this process, for /api/health and the page. */
  components?: () => ComponentsView;
  logger?: Logger;
  /** The process's metrics registry (createMetricsRegistry), served at /metrics. */
  metrics?: Registry;
  /** The connector of this process (its thread under start), for /metrics. */
  connector?: ConnectorMetricsSource;
  /** The alert evaluator of this process, for /metrics. */
  alerts?: AlertMetricsSource;
  /** Mounts POST /api/events when given. */
  ingest?: Omit<HttpSourceOptions, 'config'>;
  healthIntervalMs?: number;
}

/** Request log lines without query strings (the SSE token is taken out before routing anyway). */
class DashboardLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, path: request.url.split('?', 1)[0] }, 'incoming request');
  }
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, path: request.url.split('?', 1)[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.debug(line, 'request completed');
  }
}

function errorBody(statusCode: number, code: string, message: string) {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, retriable: isRetriable(code) };
}

function isStoreFailure(err: Error): boolean {
  return /ClickHouse|chdb|ECONNREFUSED|socket hang up/i.test(`${err.name} ${err.message} ${err.constructor?.name ?? ''}`);
}

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const log = opts.logger ?? defaultLogger;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new DashboardLogController(),
    // Request ids name HTTP-ingested events (source_file http:<id>): unique, never client-chosen.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    forceCloseConnections: true,
    // The SSE stream's ?token= leaves the URL before anything (routing, hooks, logs) sees it.
    rewriteUrl: (req) => takeQueryToken(req),
  });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      return reply.code(400).send(errorBody(400, 'DASH_ERR_BAD_PARAMS', `bad request parameters: ${err.message}`));
    }
    const status = err.statusCode ?? 500;
    // Client errors, and our own or the ingest source's coded errors, go out as they are.
    if (status < 500 || (err.code && (err.code in DASHBOARD_ERRORS || err.code.startsWith('ING_ERR_')))) {
      return reply.code(status).send(errorBody(status, err.code ?? 'DASH_ERR_BAD_PARAMS', err.message));
    }
    req.log.error({ err, path: req.url.split('?', 1)[0] }, 'request failed');
    const mapped = isStoreFailure(err) ? new StoreError(err.message) : new InternalError(req.id);
    return reply.code(mapped.statusCode).send(errorBody(mapped.statusCode, mapped.code, mapped.message));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new NotFoundError(`${req.method} ${req.url.split('?', 1)[0]}`);
    return reply.code(404).send(errorBody(404, e.code, e.message));
  });

  const hub = new LiveHub({ store: opts.store, job: opts.job, emissions: opts.emissions, components: opts.components, logger: log, healthIntervalMs: opts.healthIntervalMs });
  // Open event streams would hold the server open: end them before it closes.
  app.addHook('preClose', async () => hub.close());

  await app.register(auth, { token: opts.config.dashboard.token, queryTokenPaths: ['/api/stream'], guardedPaths: ['/metrics'] });
  // Before the routes: its request counts cover them all.
  await app.register(metricsRoutes, { registry: opts.metrics, job: opts.job, components: opts.components, connector: opts.connector, alerts: opts.alerts });
  await app.register(
    async (api) => {
      await api.register(salesRoutes, { store: opts.store });
      await api.register(kpiRoutes, { store: opts.store });
      await api.register(sessionRoutes, { store: opts.store });
      await api.register(clvRoutes, { store: opts.store });
      await api.register(forecastRoutes, { store: opts.store });
      await api.register(clvForecastRoutes, { store: opts.store });
      await api.register(alertRoutes, { store: opts.store });
      await api.register(healthRoutes, { store: opts.store, job: opts.job, components: opts.components });
      await api.register(streamRoutes, { hub });
      if (opts.ingest) await api.register(eventsRoutes, { config: opts.config, ...opts.ingest });
    },
    { prefix: '/api' },
  );
  await app.register(pageRoutes);
  return app;
}
