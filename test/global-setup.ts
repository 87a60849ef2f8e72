// Brings the real local services up once per test run (idempotent: a second run reuses them),
// and at the end deletes the topics and groups of the tests' throwaway namespaces (t_*), so the
// broker does not pile up partitions run after run.
import { loadConfig } from '../src/config.ts';
import { createKafka } from '../src/kafka.ts';
import { servicesUp } from '../src/services/index.ts';

const config = loadConfig({ ...process.env, SALESINSIGHTS_HOME: undefined });

export default async function setup(): Promise<() => Promise<void>> {
  await servicesUp(config);
  return async () => {
    const admin = createKafka(config, 'test-teardown').admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith('t_'));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('t_'));
      if (groups.length > 0) await admin.deleteGroups(groups);
    } finally {
      await admin.disconnect();
    }
  };
}
