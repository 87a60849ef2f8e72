// The scale phase (`bench --users-scale N`): how the aggregator's state grows with the customer
// base. `backfill` end to end on data of N times the user population, every checkpoint's write
// timed, then a fresh job on the same namespace timed from its start until it has restored every
// partition and reached the input's end, and the state's size on disk.
import type { Config } from '../../core/config.ts';
import { inputEndOffsets } from '../../core/kafka.ts';
import type { Logger } from '../../core/logger.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { backfill } from '../commands/backfill.ts';
import { aggregatorJob, prepareRuntime } from '../runtime.ts';
import { DEFAULT_JOB_OPTIONS, type AggregatorJob } from '../../stream/job.ts';
import { percentiles, type Percentiles } from './percentiles.ts';

export interface ScaleResult {
  usersScale: number;
  events: number;
  /** Rows of customer_lifetime_value: the purchasing customers, each a key of the state. */
  customers: number;
  backfillEventsPerSecond: number;
  backfillSeconds: number;
  /** Each checkpoint of the backfill, snapshot and write. */
  checkpointMs: Percentiles;
  /** A fresh job's start until every partition is restored and read to the input's end. */
  restoreMs: number;
  /** The checkpoint and state tables' active parts. */
  stateOnDiskBytes: number;
  /** Of the process, the whole phase (backfill and restore); the data is generated in another process. */
  peakRssMb: number;
  /**
   * RSS sampled during the backfill: the highest before its last checkpoint (the end of input's),
   * during it, and after it (the backfill's closing counts of the tables).
   */
  rssMb: RssPeaks;
  /** The keyed state a restore loaded: its keys, and about how many bytes they take written. */
  stateInMemory: { keys: number; bytes: number };
}

export interface RssPeaks {
  beforeLastCheckpoint: number;
  lastCheckpoint: number;
  afterLastCheckpoint: number;
}

/** RSS every 100 ms, and the times of the checkpoints as they end. */
function rssSampler() {
  const samples: Array<[number, number]> = [];
  const timer = setInterval(() => samples.push([Date.now(), process.memoryUsage.rss()]), 100);
  let last = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  return {
    checkpointed(ms: number): void {
      const end = Date.now();
      last = { start: end - ms, end };
    },
    stop(): RssPeaks {
      clearInterval(timer);
      const peak = (keep: (t: number) => boolean) => mb(Math.max(0, ...samples.filter(([t]) => keep(t)).map(([, rss]) => rss)));
      return {
        beforeLastCheckpoint: peak((t) => t < last.start),
        lastCheckpoint: peak((t) => t >= last.start && t <= last.end),
        afterLastCheckpoint: peak((t) => t > last.end),
      };
    },
  };
}

/** The state the job holds, from its metrics. */
function stateInMemory(job: AggregatorJob): { keys: number; bytes: number } {
  const m = job.metrics();
  return { keys: m.stateKeys, bytes: m.stateBytes };
}

/** `backfill` of `dir` into `config`'s namespace (a fresh one), then its restore. */
export async function measureScale(dir: string, config: Config, logger: Logger, usersScale: number): Promise<ScaleResult> {
  const checkpoints: number[] = [];
  const rss = rssSampler();
  const summary = await backfill(config, logger, dir, {}, {
    checkpointed: (ms) => {
      checkpoints.push(ms);
      rss.checkpointed(ms);
    },
  });
  const rssMb = rss.stop();
  logger.info({ events: summary.events, customers: summary.customers, checkpoints: checkpoints.length }, 'bench: scale backfill done');

  const store = await prepareRuntime(config, logger);
  try {
    const job = aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 });
    const ends = await inputEndOffsets(config);
    const restoreStart = Date.now();
    await job.start();
    await job.waitForPositions(ends, { ownAll: true });
    const restoreMs = Date.now() - restoreStart;
    const state = stateInMemory(job);
    await job.stop();
    return {
      usersScale,
      events: summary.events,
      customers: summary.customers,
      backfillEventsPerSecond: summary.eventsPerSecond,
      backfillSeconds: Math.round(summary.elapsedMs / 100) / 10,
      checkpointMs: percentiles(checkpoints),
      restoreMs,
      stateOnDiskBytes: await stateOnDisk(store),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      rssMb,
      stateInMemory: state,
    };
  } finally {
    await store.close();
  }
}

/** Bytes on disk of the checkpoints and the keyed state; a table not (yet) there counts 0. */
async function stateOnDisk(store: Store): Promise<number> {
  const [row] = await queryRows<{ bytes: string }>(
    store,
    `SELECT sum(bytes_on_disk) AS bytes FROM system.parts
     WHERE active AND database = {db:String} AND table IN ('stream_checkpoints', 'stream_state')`,
    { db: store.database },
  );
  return Number(row?.bytes ?? 0);
}
