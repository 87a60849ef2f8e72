// Brings up what every long-running command needs: the local services when none are
// configured, the store with its migrations, and the namespace's topics.
import type { Config } from '../core/config.ts';
import { createKafka } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import { servicesUp } from './services/index.ts';
import { openStore, type Store } from '../aggregates/store.ts';
import { migrate } from '../aggregates/migrate.ts';
import { ensureTopics } from '../ingest/topics.ts';

export async function prepareRuntime(config: Config, logger: Logger): Promise<Store> {
  await servicesUp(config);
  const store = openStore(config);
  try {
    const applied = await migrate(store);
    if (applied.length > 0) logger.info({ applied }, 'store migrations applied');
    await ensureTopics(createKafka(config, 'salesinsights-setup'), config.namespace);
    return store;
  } catch (err) {
    // Embedded chDB allows one open store per process: a failed start must not keep it.
    await store.close();
    throw err;
  }
}
