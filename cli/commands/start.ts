// start: everything on one machine. In embedded mode only one process may open the store, so
// the connector, the aggregator and the dashboard share this process. Each component recovers
// by itself (the aggregator through its supervisor); /api/health shows their states.
import { ComponentStatus } from '../../core/component-status.ts';
import { withDashboardHost, type Config } from '../../core/config.ts';
import { createKafka } from '../../core/kafka.ts';
import type { Logger } from '../../core/logger.ts';
import { aggregatorJob, prepareRuntime } from '../runtime.ts';
import { servicesUp } from '../services/index.ts';
import { connectorInstanceId, httpSourceTransactionalId } from '../../core/instance-id.ts';
import { joinInstances } from '../../core/instances.ts';
import { defaultInbox } from '../../ingest/index.ts';
import { ConnectorThread } from '../../ingest/connector-thread.ts';
import { SupervisedJob } from '../../stream/supervisor.ts';
import { startDashboard } from '../../dashboard/server.ts';
import { createMetricsRegistry } from '../../dashboard/routes/metrics.ts';
import { startQueryEndpoint } from '../../dashboard/query/server.ts';
import { removeEndpointFile, writeEndpointFile } from '../../dashboard/query/endpoint-file.ts';
import { runDemo } from './demo.ts';
import { ForecastRefresher } from '../forecast/forecast-refresher.ts';
import { alerting } from '../alerting/alerting.ts';

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
}

export async function start(given: Config, logger: Logger, options: StartOptions): Promise<void> {
  // --host goes through the same check as SALESINSIGHTS_HOST, before anything starts.
  const config = options.host === undefined ? given : withDashboardHost(given, options.host, '--host');
  // A wrong rules file or channel setting fails the start with its one line, before anything starts.
  const alertEvaluator = alerting(config, process.env, logger);
  // Before anything is read or written: with the embedded store a namespace runs in one place.
  await servicesUp(config);
  const inbox = options.inbox ?? defaultInbox(config);
  // The connector and the HTTP source run under this instance id (core/instance-id.ts).
  const instanceId = connectorInstanceId(config, inbox);
  const instance = await joinInstances(config, 'start', instanceId);
  const store = await prepareRuntime(config, logger).catch(async (err: unknown) => {
    await instance.leave();
    throw err;
  });
  // A failed job is replaced by a fresh one from the checkpoints; the dashboard stays up.
  const aggregator = new SupervisedJob(() => aggregatorJob(config, store, logger), logger);
  // The connector parses and encodes on its own thread, so the aggregator keeps a core.
  const connector = new ConnectorThread(config, { inbox });
  const httpSource = new ComponentStatus();
  // One metrics registry for the process, served by the dashboard at /metrics (the query endpoint's too).
  const metrics = createMetricsRegistry();
  const pipelineComponents = () => ({ connector: connector.status(), aggregator: aggregator.status.view(), httpSource: httpSource.view() });
  // Evaluates the alert rules every few seconds off the event path; its notifications' delivery is a component of health.
  const alerts = alertEvaluator(store, { connector, job: aggregator, components: pipelineComponents });
  const components = () => ({ ...pipelineComponents(), alertNotifications: alerts.deliveryView() });
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  let queries: Awaited<ReturnType<typeof startQueryEndpoint>> | undefined;
  const demoStop = new AbortController();
  let demo: Promise<void> | undefined;
  // Refits the revenue forecast as hours of event time complete, on its own thread.
  const forecasts = new ForecastRefresher(store, logger, { horizon: config.forecastHorizonHours });
  try {
    await aggregator.start();
    forecasts.start();
    alerts.start();
    await connector.open();
    await connector.watch();
    dashboard = await startDashboard({
      config,
      store,
      job: aggregator,
      components,
      metrics,
      connector,
      alerts,
      logger,
      port: options.port,
      // POST /api/events: the HTTP source, its own transactional producer.
      ingest: { kafka: createKafka(config, 'salesinsights-http-source'), transactionalId: httpSourceTransactionalId(config.namespace, instanceId), status: httpSource, logger },
    });
    // The embedded store is this process's alone: sql, export and ClickHouse clients query it
    // here, read-only; `sql` and `export` find the URL in $SALESINSIGHTS_HOME/run. A ClickHouse
    // server (CLICKHOUSE_URL) they query directly.
    if (store.mode === 'embedded') {
      queries = await startQueryEndpoint({ config, store, logger, metrics, port: options.queryPort });
      writeEndpointFile(config, queries.url);
    }
    logger.info(
      { url: dashboard.url, queryEndpoint: queries?.url, inbox, token: config.dashboard.token ? 'required' : 'none' },
      'salesinsights running; drop daily CSV slices into the inbox',
    );
    process.stdout.write(`dashboard: ${dashboard.url}\n`);
    if (queries) process.stdout.write(`query endpoint: ${queries.url}\n`);
    // A demo that fails (a full disk) is logged; start keeps running.
    if (options.demo) demo = runDemo(config, store, inbox, logger, demoStop.signal).catch((err) => logger.error({ err }, 'demo failed'));

    await new Promise<void>((resolve) => {
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
  } finally {
    demoStop.abort();
    await demo;
    // The servers first (the dashboard listens to the job), then the inputs, then the job's final flush.
    removeEndpointFile(config);
    await queries?.app.close().catch((err) => logger.error({ err }, 'query endpoint close failed'));
    await dashboard?.app.close().catch((err) => logger.error({ err }, 'dashboard close failed'));
    await connector.close().catch((err) => logger.error({ err }, 'connector close failed'));
    await aggregator.stop();
    await forecasts.stop();
    await alerts.stop();
    await store.close();
    await instance.leave();
  }
}
