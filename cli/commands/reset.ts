// reset: drops the namespace's topics, consumer groups, tables and the registry subject.
import { hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Config } from '../../core/config.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import type { Logger } from '../../core/logger.ts';
import { servicesUp } from '../services/index.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { ledgerTopic } from '../../ingest/ledger.ts';
import { describeInstance, instancesTopic, runningInstances, type Instance } from '../../core/instances.ts';

/** `reset` while an instance of the namespace runs: it would pull the topics from under it. */
export class NamespaceBusyError extends Error {
  override name = 'NamespaceBusyError';
  constructor(namespace: string, running: Instance[]) {
    const first = running[0]!;
    super(
      `namespace "${namespace}" is in use by ${running.map(describeInstance).join(' and ')}; nothing was deleted. ` +
        `Stop it first (Ctrl-C in its terminal, or kill -TERM ${first.pid}${first.host === hostname() ? '' : ` on ${first.host}`}), then reset`,
    );
  }
}

/** Asks on the terminal; true when the answer is yes. */
async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** A killed member stays in a group until its session ends; the group cannot be deleted before. */
const GROUP_DELETE_WAIT_MS = 15_000;

export async function reset(config: Config, logger: Logger, options: { yes: boolean } = { yes: true }): Promise<void> {
  // Local services come up; given ones must answer within seconds (one line naming the setting).
  await servicesUp(config);
  const kafka = createKafka(config, 'salesinsights-reset');
  const running = await runningInstances(kafka, config.namespace);
  if (running.length > 0) throw new NamespaceBusyError(config.namespace, running);
  if (!options.yes && process.stdin.isTTY) {
    const what = `the topics, consumer groups, database ${config.namespace} and registry subject of namespace "${config.namespace}"`;
    if (!(await confirmed(`Delete ${what}? This cannot be undone. [y/N] `))) throw new Error('nothing was deleted (not confirmed; --yes skips the question)');
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mine = [...Object.values(topics(config.namespace)), ledgerTopic(config.namespace), instancesTopic(config.namespace)];
    const existing = new Set(await admin.listTopics());
    const doomed = mine.filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
    const { groups } = await admin.listGroups();
    const groupIds = groups.map((g) => g.groupId).filter((g) => g.startsWith(`${config.namespace}.`));
    for (const deadline = Date.now() + GROUP_DELETE_WAIT_MS; groupIds.length > 0; ) {
      try {
        await admin.deleteGroups(groupIds);
        break;
      } catch (err) {
        // NON_EMPTY_GROUP: a killed instance's member, until its session times out.
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
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
