// reset: drops the namespace's topics, consumer groups, tables and the registry subject.
import type { Config } from '../../core/config.ts';
import { topics } from '../../core/config.ts';
import { createKafka } from '../../core/kafka.ts';
import type { Logger } from '../../core/logger.ts';
import { servicesUp } from '../services/index.ts';
import { openStore } from '../../aggregates/store.ts';
import { ledgerTopic } from '../../ingest/ledger.ts';

export async function reset(config: Config, logger: Logger): Promise<void> {
  // Local services come up; given ones must answer within seconds (one line naming the setting).
  await servicesUp(config);
  const admin = createKafka(config, 'salesinsights-reset').admin();
  await admin.connect();
  try {
    const mine = [...Object.values(topics(config.namespace)), ledgerTopic(config.namespace)];
    const existing = new Set(await admin.listTopics());
    const doomed = mine.filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
    const { groups } = await admin.listGroups();
    const groupIds = groups.map((g) => g.groupId).filter((g) => g.startsWith(`${config.namespace}.`));
    if (groupIds.length > 0) await admin.deleteGroups(groupIds);
    logger.info({ topics: doomed, groups: groupIds }, 'kafka topics and groups deleted');
  } finally {
    await admin.disconnect();
  }
  const store = openStore(config);
  try {
    await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
  } finally {
    await store.close();
  }
  const subject = `${config.namespace}.events-value`;
  const res = await fetch(`${config.schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
  logger.info({ database: config.namespace, subject, registry: res.status }, 'namespace reset');
}
