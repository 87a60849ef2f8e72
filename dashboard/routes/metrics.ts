// GET /metrics in the Prometheus text exposition format (prom-client): the process and Node
// (prom-client's default collectors: CPU, memory, heap, event-loop lag, GC), the aggregator, the
// connector, each component's state, and this server's requests. The aggregator's counters and
// histograms are fed by the job as it runs (a JobObserver, stream/job-metrics.ts), so they keep
// counting across the jobs a supervisor starts; the connector's totals (kept on its thread) and
// the gauges (consumer lag, watermark, states, inbox backlog) are read at each scrape. Other parts
// of the process (the query endpoint) register theirs in the same registry (createMetricsRegistry).
// Guarded by the bearer token like /api (plugins/auth.ts).
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ComponentsView, ComponentState } from '../../core/component-status.ts';
import type { ConnectorTotalsView } from '../../ingest/connector-totals.ts';
import type { JobView } from '../../stream/job-view.ts';
import type { JobObserver } from '../../stream/job-metrics.ts';
import type { DeliveryStatus } from '../alerting/index.ts';
import { errorReplies } from '../schemas.ts';

/** What /metrics reads of the connector (ConnectorThread under start). */
export interface ConnectorMetricsSource {
  totals(): ConnectorTotalsView;
  backlog(): Promise<number>;
}

/** What /metrics reads of the alert evaluator (cli/alerting/alert-evaluator.ts under start). */
export interface AlertMetricsSource {
  firingByRule(): Record<string, number>;
  delivery(): Record<string, DeliveryStatus>;
  checkpointFailuresInARow(): number;
}

export interface MetricsRouteOptions {
  /** The process's registry (createMetricsRegistry); a fresh one when not given. */
  registry?: Registry;
  /** The aggregator of this process; without one only the (zero) counters are served. */
  job?: JobView;
  /** The state of each component, one gauge per component and state. */
  components?: () => ComponentsView;
  connector?: ConnectorMetricsSource;
  alerts?: AlertMetricsSource;
}

/**
 * A process's metrics registry, with the process and Node metrics. The dashboard serves it at
 * /metrics; another part of the process registers its metrics here (`registers: [registry]`).
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Seconds: from well under the 1 s latency goal to a backlog of minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
/** Seconds: a checkpoint or store write takes milliseconds when well, up to a minute of retries when not. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OUTPUT_TABLES = ['events', 'sales_per_product', 'customer_lifetime_value', 'late_events', 'sessions'] as const;
const STATES: ComponentState[] = ['running', 'retrying', 'failed'];
/** Seconds: a page's query to an open event stream. */
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The metrics of one app, in a registry of its own (apps built side by side share nothing). */
function pipelineMetrics(registry: Registry) {
  const registers = [registry];
  const watermark = new Gauge({ name: 'salesinsights_watermark_seconds', help: 'The combined event-time watermark, epoch seconds (NaN before the first event)', registers });
  watermark.set(Number.NaN);
  const rowsOut = new Counter({ name: 'salesinsights_rows_out_total', help: 'Rows the aggregator wrote to the store, by table (replays after a restart included)', labelNames: ['table'], registers });
  for (const table of OUTPUT_TABLES) rowsOut.inc({ table }, 0);
  return {
    eventsIn: new Counter({ name: 'salesinsights_events_in_total', help: 'Events the aggregator processed (replays after a restart included)', registers }),
    rowsOut,
    rejected: new Counter({ name: 'salesinsights_rejected_total', help: 'Rejected rows the aggregator wrote to rejected_events (rows the store refused included)', registers }),
    late: new Counter({ name: 'salesinsights_late_events_total', help: 'Events whose window was already final', registers }),
    duplicates: new Counter({ name: 'salesinsights_duplicate_events_total', help: 'Exact duplicates, counted once in the aggregates', registers }),
    lag: new Gauge({ name: 'salesinsights_consumer_lag', help: 'Records of the partition not yet read by the aggregator', labelNames: ['topic', 'partition'], registers }),
    openSessions: new Gauge({ name: 'salesinsights_open_sessions', help: 'Sessions open in the aggregator (not yet final)', registers }),
    stateKeys: new Gauge({ name: 'salesinsights_state_keys', help: "Keys of the aggregator's keyed state (windows, customers, late events remembered)", registers }),
    stateBytes: new Gauge({ name: 'salesinsights_state_bytes', help: "About how many bytes the aggregator's keyed state takes written in a checkpoint", registers }),
    watermark,
    latency: new Histogram({ name: 'salesinsights_end_to_end_latency_seconds', help: 'From the connector reading an event to the emission that includes it', buckets: LATENCY_BUCKETS, registers }),
    checkpoint: new Histogram({ name: 'salesinsights_checkpoint_duration_seconds', help: 'Taking and writing a checkpoint of state and offsets', buckets: DURATION_BUCKETS, registers }),
    storeInsert: new Histogram({ name: 'salesinsights_store_insert_duration_seconds', help: "Writing one tick's output to the store, retries included", buckets: DURATION_BUCKETS, registers }),
  };
}

/** The connector's totals as counters: each scrape adds what a total grew by since the last one. */
function connectorMetrics(registry: Registry, connector: ConnectorMetricsSource): void {
  const registers = [registry];
  const counted: Partial<ConnectorTotalsView> = {};
  const counter = (total: keyof ConnectorTotalsView, name: string, help: string) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const now = connector.totals()[total];
        this.inc(Math.max(0, now - (counted[total] ?? 0)));
        counted[total] = now;
      },
    });
  counter('filesIngested', 'salesinsights_connector_files_ingested_total', 'Inbox files the connector ingested');
  counter('filesAlreadyIngested', 'salesinsights_connector_files_already_ingested_total', 'Inbox files whose content was ingested before (nothing produced)');
  counter('filesFailed', 'salesinsights_connector_files_failed_total', 'Inbox files refused whole (moved to .failed/)');
  counter('rowsIngested', 'salesinsights_connector_rows_ingested_total', 'Events the connector produced to Kafka');
  counter('rowsRejected', 'salesinsights_connector_rows_rejected_total', 'Rows the connector rejected with a reason (events-rejected)');
  counter('retries', 'salesinsights_connector_retries_total', 'Failed attempts the connector retries: Kafka (produce errors) or the schema registry away');
  new Gauge({
    name: 'salesinsights_connector_inbox_files',
    help: 'Data files waiting in the inbox',
    registers,
    async collect() {
      this.set(await connector.backlog());
    },
  });
}

function componentMetrics(registry: Registry, components: () => ComponentsView): void {
  new Gauge({
    name: 'salesinsights_component_state',
    help: 'The state of each component of this process: 1 for the state it is in, 0 for the others',
    labelNames: ['component', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [component, view] of Object.entries(components())) {
        for (const state of STATES) this.set({ component, state }, view.state === state ? 1 : 0);
      }
    },
  });
}

/** Alerts firing by rule, notifications by channel, and the checkpoint writes failing in a row (deploy/prometheus/alerts.yml reads it). */
function alertMetrics(registry: Registry, alerts: AlertMetricsSource): void {
  const registers = [registry];
  new Gauge({
    name: 'salesinsights_alerts_firing',
    help: 'Alerts firing now, by rule',
    labelNames: ['rule'],
    registers,
    collect() {
      for (const [rule, n] of Object.entries(alerts.firingByRule())) this.set({ rule }, n);
    },
  });
  const counted = new Map<string, number>();
  const counter = (field: 'delivered' | 'failed', name: string, help: string) =>
    new Counter({
      name,
      help,
      labelNames: ['channel'],
      registers,
      collect() {
        for (const [channel, status] of Object.entries(alerts.delivery())) {
          const key = `${field}:${channel}`;
          this.inc({ channel }, Math.max(0, status[field] - (counted.get(key) ?? 0)));
          counted.set(key, status[field]);
        }
      },
    });
  counter('delivered', 'salesinsights_alert_notifications_delivered_total', 'Notifications a channel delivered');
  counter('failed', 'salesinsights_alert_notifications_failed_total', 'Notifications a channel gave up on after its retries, or dropped from a full queue');
  new Gauge({
    name: 'salesinsights_alert_notifications_retrying',
    help: 'Notifications waiting for a retry after a failed attempt, by channel',
    labelNames: ['channel'],
    registers,
    collect() {
      for (const [channel, status] of Object.entries(alerts.delivery())) this.set({ channel }, status.retrying);
    },
  });
  new Gauge({
    name: 'salesinsights_checkpoint_failures_in_a_row',
    help: 'Alert evaluations (every few seconds) that found the aggregator retrying a checkpoint write since one last succeeded',
    registers,
    collect() {
      this.set(alerts.checkpointFailuresInARow());
    },
  });
}

/** This server's requests, by route (its pattern, `unmatched` for none), method and status. */
function httpMetrics(app: Parameters<FastifyPluginAsync>[0], registry: Registry): void {
  const registers = [registry];
  const requests = new Counter({ name: 'salesinsights_http_requests_total', help: 'Requests the dashboard answered', labelNames: ['route', 'method', 'status'], registers });
  const duration = new Histogram({ name: 'salesinsights_http_request_duration_seconds', help: 'From a request to its answer (an event stream: until it ends)', labelNames: ['route', 'method'], buckets: REQUEST_BUCKETS, registers });
  app.addHook('onResponse', async (req, reply) => {
    const labels = { route: req.routeOptions.url ?? 'unmatched', method: req.method };
    requests.inc({ ...labels, status: String(reply.statusCode) });
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}

// Not encapsulated (fastify-plugin): its request hook sees every route of the app.
const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, { registry = new Registry(), job, components, connector, alerts }) => {
  const m = pipelineMetrics(registry);
  if (connector) connectorMetrics(registry, connector);
  if (components) componentMetrics(registry, components);
  if (alerts) alertMetrics(registry, alerts);
  httpMetrics(app, registry);
  const observer: JobObserver = {
    processed: ({ events, duplicates, late }) => {
      m.eventsIn.inc(events);
      m.duplicates.inc(duplicates);
      m.late.inc(late);
    },
    written: ({ rows, rejected, storeMs }) => {
      for (const table of OUTPUT_TABLES) m.rowsOut.inc({ table }, rows[table]);
      m.rejected.inc(rejected);
      m.storeInsert.observe(storeMs / 1000);
    },
    latency: (ms) => m.latency.observe(ms / 1000),
    checkpointed: (ms) => m.checkpoint.observe(ms / 1000),
  };
  const unsubscribe = job?.observe(observer);
  app.addHook('onClose', async () => unsubscribe?.());

  app.get(
    '/metrics',
    { schema: { response: { 200: { type: 'string', description: registry.contentType }, ...errorReplies(401) } } },
    async (_req, reply) => {
      if (job) {
        const pipeline = job.metrics();
        m.openSessions.set(pipeline.openSessions);
        m.stateKeys.set(pipeline.stateKeys);
        m.stateBytes.set(pipeline.stateBytes);
        m.lag.reset();
        for (const [key, lag] of Object.entries(pipeline.consumerLag)) {
          const at = key.lastIndexOf(':');
          m.lag.set({ topic: key.slice(0, at), partition: key.slice(at + 1) }, lag);
        }
        m.watermark.set(pipeline.watermark === null ? Number.NaN : pipeline.watermark / 1000);
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

export default fp(metricsRoutes, { name: 'metrics' });
