// GET /metrics: the aggregator's metrics in the Prometheus text exposition format (prom-client).
// Counters and histograms are fed by the job as it runs (a JobObserver, stream/job-metrics.ts),
// so they keep counting across the jobs a supervisor starts; gauges (consumer lag, watermark)
// are read from job.metrics() at each scrape. Guarded by the bearer token like /api (plugins/auth.ts).
import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobView } from '../../stream/job.ts';
import type { JobObserver } from '../../stream/job-metrics.ts';
import { errorReplies } from '../schemas.ts';

export interface MetricsRouteOptions {
  /** The aggregator of this process; without one only the (zero) counters are served. */
  job?: JobView;
}

/** Seconds: from well under the 1 s latency goal to a backlog of minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
/** Seconds: a checkpoint or store write takes milliseconds when well, up to a minute of retries when not. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OUTPUT_TABLES = ['events', 'sales_per_product', 'customer_lifetime_value', 'late_events'] as const;

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
    watermark,
    latency: new Histogram({ name: 'salesinsights_end_to_end_latency_seconds', help: 'From the connector reading an event to the emission that includes it', buckets: LATENCY_BUCKETS, registers }),
    checkpoint: new Histogram({ name: 'salesinsights_checkpoint_duration_seconds', help: 'Taking and writing a checkpoint of state and offsets', buckets: DURATION_BUCKETS, registers }),
    storeInsert: new Histogram({ name: 'salesinsights_store_insert_duration_seconds', help: "Writing one tick's output to the store, retries included", buckets: DURATION_BUCKETS, registers }),
  };
}

const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, { job }) => {
  const registry = new Registry();
  const m = pipelineMetrics(registry);
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

export default metricsRoutes;
