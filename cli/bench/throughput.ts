// Throughput of the real pipeline on generated data: the connector alone (file to committed in
// Kafka), the aggregator alone (topic to every window final in ClickHouse), and both together
// as `backfill` runs them (first row read to every window final).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { inputEndOffsets } from '../../core/kafka.ts';
import { backfill } from '../commands/backfill.ts';
import { aggregatorJob, prepareRuntime } from '../runtime.ts';
import { ConnectorThread } from '../../ingest/connector-thread.ts';
import { DEFAULT_JOB_OPTIONS, type AggregatorJob } from '../../stream/job.ts';

export interface ThroughputResult {
  events: number;
  connectorRowsPerSecond: number;
  aggregatorEventsPerSecond: number;
  backfillEventsPerSecond: number;
  backfillSeconds: number;
  /** Sampled in the aggregator's run apart: the most sessions open at once, and what they took written. */
  sessions: { peakOpen: number; peakBytes: number };
}

/** Samples the job's open sessions every 250 ms until stopped; answers the peaks. */
function sessionPeaks(job: AggregatorJob): () => { peakOpen: number; peakBytes: number } {
  const peaks = { peakOpen: 0, peakBytes: 0 };
  const sample = () => {
    const m = job.metrics();
    peaks.peakOpen = Math.max(peaks.peakOpen, m.openSessions);
    peaks.peakBytes = Math.max(peaks.peakBytes, m.sessionStateBytes);
  };
  const timer = setInterval(sample, 250);
  return () => {
    clearInterval(timer);
    sample();
    return peaks;
  };
}

const perSecond = (n: number, ms: number) => Math.round((n * 1000) / Math.max(1, ms));

/** `backfill` end to end in one namespace; connector then aggregator, apart, in another. */
export async function measureThroughput(
  dir: string,
  configs: { together: Config; apart: Config },
  logger: Logger,
): Promise<ThroughputResult> {
  const summary = await backfill(configs.together, logger, dir);

  const config = configs.apart;
  const store = await prepareRuntime(config, logger);
  try {
    const connector = new ConnectorThread(config, { inbox: dir });
    await connector.open();
    const connectorStart = Date.now();
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.csv')).sort()) {
      await connector.takeFile(join(dir, file), { inPlace: true });
    }
    const connectorMs = Date.now() - connectorStart;
    await connector.close();
    const rows = connector.results.reduce((n, r) => n + r.rows + r.rejected, 0);

    const job = aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 });
    const aggregatorStart = Date.now();
    await job.start();
    const stopSampling = sessionPeaks(job);
    await job.waitForPositions(await inputEndOffsets(config), { ownAll: true });
    const sessions = stopSampling();
    await job.finishInput();
    const aggregatorMs = Date.now() - aggregatorStart;
    const events = job.metrics().eventsTotal;
    await job.stop();
    return {
      events: summary.events,
      connectorRowsPerSecond: perSecond(rows, connectorMs),
      aggregatorEventsPerSecond: perSecond(events, aggregatorMs),
      backfillEventsPerSecond: summary.eventsPerSecond,
      backfillSeconds: Math.round(summary.elapsedMs / 100) / 10,
      sessions,
    };
  } finally {
    await store.close();
  }
}
