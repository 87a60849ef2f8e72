// Brings up what every long-running command needs: the local services when none are
// configured, the store with its migrations, and the namespace's topics; and wires the engine
// to the store (the engine names the ports, the store implements them, neither imports the other).
import type { Config } from '../core/config.ts';
import { createKafka } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import { aggregatorGroup } from '../core/topics.ts';
import { servicesUp } from './services/index.ts';
import { StoreCheckpoints } from '../aggregates/checkpoints.ts';
import { openStore } from '../aggregates/open-store.ts';
import type { Store } from '../aggregates/store.ts';
import { migrate } from '../aggregates/migrate.ts';
import { StoreTables } from '../aggregates/writers.ts';
import { ensureTopics } from '../ingest/topics.ts';
import { AggregatorJob, DEFAULT_JOB_OPTIONS, type JobOptions } from '../stream/job.ts';

/**
 * Services up, topics created, then the store opened and migrated. `alongside` starts once the
 * topics exist and runs with the migrations (a backfill opens its connector there: neither waits
 * for the other); its failure fails the start like theirs.
 */
export async function prepareRuntime(config: Config, logger: Logger, alongside: () => Promise<unknown> = async () => undefined): Promise<Store> {
  await servicesUp(config);
  await ensureTopics(createKafka(config, 'salesinsights-setup'), config.namespace, config.partitions);
  const store = openStore(config);
  // Both settle before anything is closed: the migrations must not run on a closed store.
  const [migrated, other] = await Promise.allSettled([migrate(store), alongside()]);
  if (migrated.status === 'fulfilled' && other.status === 'fulfilled') {
    if (migrated.value.length > 0) logger.info({ applied: migrated.value }, 'store migrations applied');
    return store;
  }
  // Embedded chDB allows one open store per process: a failed start must not keep it.
  await store.close();
  throw migrated.status === 'rejected' ? migrated.reason : (other as PromiseRejectedResult).reason;
}

/** An aggregator job whose results and checkpoints go to the store. */
export function aggregatorJob(config: Config, store: Store, logger: Logger, options: JobOptions = DEFAULT_JOB_OPTIONS): AggregatorJob {
  const jobStore = { tables: new StoreTables(store), checkpoints: new StoreCheckpoints(store, aggregatorGroup(config.namespace)) };
  return new AggregatorJob(config, jobStore, logger, { ...options, sessionGapMs: config.sessionGapMs, clvRefitIntervalMs: config.clv.refitIntervalMs, clvMonthlyDiscount: config.clv.monthlyDiscount });
}
