// backfill <dir>: every CSV (and .csv.gz) of dir through the whole pipeline (connector, Kafka, aggregator,
// ClickHouse); at the end of input every window becomes final; a summary; exit 0.
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { inputEndOffsets } from '../../core/kafka.ts';
import type { Logger } from '../../core/logger.ts';
import { aggregatorJob, prepareRuntime } from '../runtime.ts';
import { servicesUp } from '../services/index.ts';
import { connectorInstanceId } from '../../core/instance-id.ts';
import { joinInstances } from '../../core/instances.ts';
import { ConnectorThread } from '../../ingest/connector-thread.ts';
import { selectFiles } from '../../ingest/inbox-files.ts';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../stream/job.ts';
import type { JobObserver } from '../../stream/job-metrics.ts';
import { storeCounts, type StoreCounts } from '../../aggregates/count-queries.ts';
import { ForecastRefresher } from '../forecast/forecast-refresher.ts';
import { alerting, type AlertEvaluatorFactory } from '../alerting/alerting.ts';

export interface BackfillSummary extends StoreCounts {
  files: number;
  failedFiles: Array<{ file: string; reason: string }>;
  rowsThisRun: number;
  rejectedThisRun: number;
  eventsProcessed: number;
  elapsedMs: number;
  eventsPerSecond: number;
}

export async function backfill(
  config: Config,
  logger: Logger,
  dir: string,
  jobOptions: Partial<JobOptions> = {},
  /** Hears the job as it runs (the bench times its checkpoints). */
  observer: JobObserver = {},
): Promise<BackfillSummary> {
  const started = Date.now();
  // A wrong rules file or channel setting fails the backfill with its one line, before anything starts.
  const alertEvaluator = alerting(config, process.env, logger);
  const files = await selectFiles(dir, logger);
  // Before anything is read or written: with the embedded store a namespace runs in one place.
  await servicesUp(config);
  const instance = await joinInstances(config, 'backfill', connectorInstanceId(config, dir));
  try {
    return await backfillFiles(config, logger, dir, files, started, jobOptions, observer, alertEvaluator);
  } finally {
    await instance.leave();
  }
}

async function backfillFiles(
  config: Config,
  logger: Logger,
  dir: string,
  files: string[],
  started: number,
  jobOptions: Partial<JobOptions>,
  observer: JobObserver,
  alertEvaluator: AlertEvaluatorFactory,
): Promise<BackfillSummary> {
  const connector = new ConnectorThread(config, { inbox: dir });
  // The connector's thread starts while the store is migrated: files flow as soon as both are up.
  const store = await prepareRuntime(config, logger, () => connector.open()).catch(async (err: unknown) => {
    await connector.close().catch(() => undefined);
    throw err;
  });
  // No idleness in a backfill: the end of input closes the windows, deterministically.
  const job = aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0, ...jobOptions });
  job.observe(observer);
  // Off the event path: after the input, one forecast per day of its event time and one at its end.
  const forecasts = new ForecastRefresher(store, logger, { horizon: config.forecastHorizonHours, schedule: 'replay' });
  // The business rules, in event time: each hour as it becomes final, and the rest at the end.
  const alerts = alertEvaluator(store);
  let stopped = false;
  try {
    await job.start();
    forecasts.start();
    alerts.start();
    for (const file of files) await connector.takeFile(join(dir, file), { inPlace: true });
    await connector.close();
    await job.waitForPositions(await inputEndOffsets(config), { ownAll: true });
    // The forecasts fit on the complete history beside the end-of-input lifetime-value refit.
    await job.finishInput(() => forecasts.finish());
    await alerts.finish();
    const metrics = job.metrics();
    stopped = true;
    await job.stop();
    const elapsedMs = Date.now() - started;
    return {
      files: files.length,
      failedFiles: connector.failed,
      rowsThisRun: connector.results.reduce((n, r) => n + r.rows, 0),
      rejectedThisRun: connector.results.reduce((n, r) => n + r.rejected, 0),
      eventsProcessed: metrics.eventsTotal,
      elapsedMs,
      eventsPerSecond: Math.round((metrics.eventsTotal * 1000) / Math.max(1, elapsedMs)),
      ...(await storeCounts(store)),
    };
  } catch (err) {
    // A failed backfill leaves no consumer in the group nor a connector thread behind (a caller in
    // the same process goes on); what was checkpointed is kept, and a new run resumes from it.
    await connector.close().catch(() => undefined);
    if (!stopped) await job.stop().catch((e: unknown) => logger.warn({ err: e }, 'the failed backfill did not stop cleanly'));
    throw err;
  } finally {
    await forecasts.stop();
    await alerts.stop();
    await store.close();
  }
}
