// Installs the Debian packages the tests need when missing and brings the real local services up
// once per test run (idempotent: a second run reuses them); at the end deletes the topics and
// groups of this run's throwaway namespaces, so the broker does not pile up partitions run after run. Only this run's: another test run may share the
// broker, and its namespaces are still in use.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../core/config.ts';
import { createKafka } from '../core/kafka.ts';
import { servicesUp } from '../cli/services/index.ts';
import { ensureSystemPackages } from './setup/system-packages.ts';

const config = loadConfig({ ...process.env, SALESINSIGHTS_HOME: undefined });

export default async function setup(): Promise<() => Promise<void>> {
  ensureSystemPackages();
  // The CLI the tests start runs the build of these sources, as an installed one does.
  execFileSync(process.execPath, ['bin/build.mjs'], { stdio: 'inherit' });
  await servicesUp(config);
  // The test workers start after this and inherit it; isolatedConfig puts it in every namespace.
  const prefix = `t${randomBytes(3).toString('hex')}_`;
  process.env.SALESINSIGHTS_TEST_PREFIX = prefix;
  // Every start of a test serves its query endpoint on a free port (they run side by side).
  process.env.SALESINSIGHTS_QUERY_PORT = '0';
  return async () => {
    const admin = createKafka(config, 'test-teardown').admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      // A group whose killed member has not yet timed out cannot be deleted; it is left behind.
      if (groups.length > 0) await admin.deleteGroups(groups).catch((err: Error) => console.warn(`test teardown: ${err.message}`));
    } finally {
      await admin.disconnect();
    }
  };
}
