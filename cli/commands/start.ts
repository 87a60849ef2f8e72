// start: the long-running pipeline, all of it in one process (`--role all`, the default) or the
// roles asked for (core/roles.ts), the others in other processes of the namespace, cooperating
// through Kafka and the store. In embedded mode only one process may open the store, so the
// aggregator and the dashboard share this process there (connectors may run in `connect`
// processes). Each component recovers by itself (the aggregator through its supervisor);
// /api/health shows the states of those that run here.
import { ComponentStatus } from '../../core/component-status.ts';
import { withDashboardHost, type Config } from '../../core/config.ts';
import { createKafka } from '../../core/kafka.ts';
import type { Logger } from '../../core/logger.ts';
import { ALL_ROLES, checkRolesForStore, rolesText, type Roles } from '../../core/roles.ts';
import { aggregatorJob, prepareRuntime } from '../runtime.ts';
import { servicesUp } from '../services/index.ts';
import { connectorInstanceId, httpSourceTransactionalId } from '../../core/instance-id.ts';
import { joinInstances } from '../../core/instances.ts';
import type { Store } from '../../aggregates/store.ts';
import { defaultInbox } from '../../ingest/index.ts';
import { ConnectorThread } from '../../ingest/connector-thread.ts';
import { SupervisedJob } from '../../stream/supervisor.ts';
import { startDashboard } from '../../dashboard/server.ts';
import { ResultsFollower } from '../../dashboard/results-follower.ts';
import { createMetricsRegistry } from '../../dashboard/routes/metrics.ts';
import { startQueryEndpoint } from '../../dashboard/query/server.ts';
import { removeEndpointFile, writeEndpointFile } from '../../dashboard/query/endpoint-file.ts';
import { runDemo } from './demo.ts';
import { ForecastRefresher } from '../forecast/forecast-refresher.ts';
import { alerting, type AlertEvaluatorFactory } from '../alerting/alerting.ts';

/** How long a shutdown may take: the final flush and checkpoint of a full-volume state take seconds, not minutes. */
const SHUTDOWN_DEADLINE_MS = 60_000;

export interface StartOptions {
  inbox?: string;
  host?: string;
  port?: number;
  /** The query endpoint's port (config.query.port unless given; 0: any free port). */
  queryPort?: number;
  /** Generate a realistic week on first use and replay it into the inbox at one day per minute. */
  demo?: boolean;
  /** The roles this process runs (every role unless given). */
  roles?: Roles;
}

export async function start(given: Config, logger: Logger, options: StartOptions): Promise<void> {
  // --host goes through the same check as SALESINSIGHTS_HOST, before anything starts.
  const config = options.host === undefined ? given : withDashboardHost(given, options.host, '--host');
  const roles = options.roles ?? ALL_ROLES;
  // A split the store cannot serve fails at once, before anything starts.
  checkRolesForStore(roles, config.clickhouseUrl === undefined);
  // The dashboard role writes the namespace's forecasts and alerts (one dashboard per namespace,
  // core/instances.ts; aggregators may be many). A wrong rules file or channel setting fails the
  // start with its one line, before anything starts.
  const alertEvaluator = roles.has('dashboard') ? alerting(config, process.env, logger) : undefined;
  // Before anything is read or written: with the embedded store a namespace runs in one place.
  await servicesUp(config);
  const inbox = options.inbox ?? defaultInbox(config);
  // The connector and the HTTP source run under this instance id (core/instance-id.ts); only a
  // connector holds it in the registry (the HTTP source is the one dashboard's).
  const instanceId = connectorInstanceId(config, inbox);
  const instance = await joinInstances(config, 'start', roles.has('connector') ? instanceId : undefined, roles);
  // Only the connector runs without the store (it writes to Kafka and its ledger).
  const store = roles.has('aggregator') || roles.has('dashboard')
    ? await prepareRuntime(config, logger).catch(async (err: unknown) => {
        await instance.leave();
        throw err;
      })
    : undefined;
  try {
    await runRoles(config, logger, { ...options, roles, inbox, instanceId, store, alertEvaluator });
  } finally {
    await store?.close();
    await instance.leave();
  }
}

interface RoleContext extends StartOptions {
  roles: Roles;
  inbox: string;
  instanceId: string;
  store: Store | undefined;
  alertEvaluator: AlertEvaluatorFactory | undefined;
}

/** Runs the roles' components until SIGINT or SIGTERM, then stops them in order. */
async function runRoles(config: Config, logger: Logger, ctx: RoleContext): Promise<void> {
  const { roles, inbox, store } = ctx;
  const dashboardStore = roles.has('dashboard') ? store : undefined;
  // A failed job is replaced by a fresh one from the checkpoints; the dashboard stays up.
  const aggregator = roles.has('aggregator') && store ? new SupervisedJob(() => aggregatorJob(config, store, logger), logger) : undefined;
  // The connector parses and encodes on its own thread, so the aggregator keeps a core.
  const connector = roles.has('connector') ? new ConnectorThread(config, { inbox }) : undefined;
  const httpSource = dashboardStore ? new ComponentStatus() : undefined;
  // Without an aggregator here the live push follows the results topics, in this dashboard's own group.
  const follower = dashboardStore && !aggregator ? new ResultsFollower(createKafka(config, 'salesinsights-live-feed'), config.namespace, `${config.namespace}.dashboard-live.${ctx.instanceId}`, logger) : undefined;
  // One metrics registry for the process, served by the dashboard at /metrics (the query endpoint's too).
  const metrics = createMetricsRegistry();
  const pipelineComponents = () => ({
    ...(connector ? { connector: connector.status() } : {}),
    ...(aggregator ? { aggregator: aggregator.status.view() } : {}),
    ...(httpSource ? { httpSource: httpSource.view() } : {}),
    ...(follower ? { liveFeed: follower.status.view() } : {}),
  });
  // Evaluates the alert rules every few seconds off the event path; its notifications' delivery is a component of health.
  const alerts = dashboardStore ? ctx.alertEvaluator?.(dashboardStore, { connector, job: aggregator, components: pipelineComponents }) : undefined;
  const components = () => ({ ...pipelineComponents(), ...(alerts ? { alertNotifications: alerts.deliveryView() } : {}) });
  // Refits the revenue forecast as hours of event time complete, on its own thread.
  const forecasts = dashboardStore ? new ForecastRefresher(dashboardStore, logger, { horizon: config.forecastHorizonHours }) : undefined;
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  let queries: Awaited<ReturnType<typeof startQueryEndpoint>> | undefined;
  const demoStop = new AbortController();
  let demo: Promise<void> | undefined;
  try {
    await aggregator?.start();
    // The follower joins its group behind the start (kafkajs rejoins by itself after a failure).
    if (follower) void follower.start().catch((err: unknown) => follower.status.failed(`live feed: ${(err as Error).message}`));
    forecasts?.start();
    alerts?.start();
    await connector?.open();
    await connector?.watch();
    if (dashboardStore && httpSource) {
      dashboard = await startDashboard({
        config,
        store: dashboardStore,
        job: aggregator,
        emissions: follower,
        components,
        metrics,
        connector,
        alerts,
        logger,
        port: ctx.port,
        // POST /api/events: the HTTP source, its own transactional producer.
        ingest: { kafka: createKafka(config, 'salesinsights-http-source'), transactionalId: httpSourceTransactionalId(config.namespace, ctx.instanceId), status: httpSource, logger },
      });
      // The embedded store is this process's alone: sql, export and ClickHouse clients query it
      // here, read-only; `sql` and `export` find the URL in $SALESINSIGHTS_HOME/run. A ClickHouse
      // server (CLICKHOUSE_URL) they query directly.
      if (dashboardStore.mode === 'embedded') {
        queries = await startQueryEndpoint({ config, store: dashboardStore, logger, metrics, port: ctx.queryPort });
        writeEndpointFile(config, queries.url);
      }
    }
    logger.info(
      { roles: rolesText(roles), url: dashboard?.url, queryEndpoint: queries?.url, inbox: connector ? inbox : undefined, token: config.dashboard.token ? 'required' : 'none' },
      connector ? 'salesinsights running; drop daily CSV slices into the inbox' : 'salesinsights running',
    );
    process.stdout.write(`roles: ${rolesText(roles)}\n`);
    if (dashboard) process.stdout.write(`dashboard: ${dashboard.url}\n`);
    if (queries) process.stdout.write(`query endpoint: ${queries.url}\n`);
    // A demo that fails (a full disk) is logged; start keeps running. Its files go into the inbox
    // for whichever connector reads it; it runs where the store is open.
    if (ctx.demo && !store) logger.warn('--demo runs with the aggregator or dashboard role; ignored here');
    if (ctx.demo && store) demo = runDemo(config, store, inbox, logger, demoStop.signal).catch((err) => logger.error({ err }, 'demo failed'));
    await shutdownRequested(logger);
  } finally {
    demoStop.abort();
    await demo;
    // The servers first (the dashboard listens to the job), then the inputs, then the job's final flush.
    removeEndpointFile(config);
    await queries?.app.close().catch((err) => logger.error({ err }, 'query endpoint close failed'));
    await dashboard?.app.close().catch((err) => logger.error({ err }, 'dashboard close failed'));
    await follower?.stop().catch((err) => logger.error({ err }, 'live feed close failed'));
    await connector?.close().catch((err) => logger.error({ err }, 'connector close failed'));
    await aggregator?.stop();
    await forecasts?.stop();
    await alerts?.stop();
  }
}

/** Resolves on SIGINT or SIGTERM, arming the deadline the shutdown must meet. */
function shutdownRequested(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down after a final flush');
      // Whatever holds it up (a store that does not answer), the process ends in bounded time;
      // the checkpoints and the ingest ledger make the next start resume without loss.
      setTimeout(() => {
        logger.error({ ms: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting without the final flush (the next start resumes from the last checkpoint)');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
