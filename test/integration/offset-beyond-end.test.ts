// An aggregator whose checkpoint lies past the end of its partition (the events topic deleted and
// created again under it) must stop that partition with STR_ERR_OFFSET_BEYOND_END, never read it
// from its start: kafkajs, finding the fetch out of range, resets to the earliest offset, and
// every record up to the checkpoint's offset would count as already processed, so the events of
// files ingested afterwards would never reach the store.
import { beforeAll, describe, expect, it } from 'vitest';
import { basename, dirname } from 'node:path';
import { logger } from '../../core/logger.ts';
import type { Config } from '../../core/config.ts';
import { aggregatorGroup, topics } from '../../core/topics.ts';
import { createKafka, inputEndOffsets } from '../../core/kafka.ts';
import { backfill } from '../../cli/commands/backfill.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { Connector } from '../../ingest/index.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { StoreCheckpoints } from '../../aggregates/checkpoints.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import type { Store } from '../../aggregates/store.ts';
import { DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import { SupervisedJob } from '../../stream/supervisor.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';

const ROWS = 400;
let first: string;
let second: string;

beforeAll(async () => {
  first = (await generate({ days: 1, rowsPerDay: ROWS, out: tempDir('beyond-first'), seed: 11, startDay: '2019-10-01' }))[0]!;
  second = (await generate({ days: 1, rowsPerDay: ROWS, out: tempDir('beyond-second'), seed: 12, startDay: '2019-10-02' }))[0]!;
});

async function eventsOf(store: Store, file: string): Promise<number> {
  const [row] = await queryRows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.events WHERE source_file = {file:String}`, { file: basename(file) });
  return Number(row!.n);
}

describe('an events topic deleted and created again under the checkpoints', () => {
  it('fails the next backfill with STR_ERR_OFFSET_BEYOND_END and keeps the checkpoints', async () => {
    const config: Config = isolatedConfig('beyond');
    const events = topics(config.namespace).events;
    await backfill(config, logger, dirname(first));
    await recreateEventsTopic(config);

    await expect(backfill(config, logger, dirname(second))).rejects.toThrow(/STR_ERR_OFFSET_BEYOND_END: .*partition \d+ ends at offset \d+ but its checkpoint resumes at \d+/);
    const store = await prepareRuntime(config, logger);
    try {
      expect(await eventsOf(store, first)).toBe(ROWS);
      // Nothing was read from the new topic's start as if processed: its checkpoints still say where the old one ended.
      const checkpoints = new StoreCheckpoints(store, aggregatorGroup(config.namespace));
      const offsets = await Promise.all([0, 1, 2, 3].map(async (p) => (await checkpoints.load(events, p, () => undefined))?.nextOffset ?? 0));
      expect(offsets.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ROWS);
    } finally {
      await store.close();
    }
  });
});

describe('an events topic deleted and created again under a running aggregator', () => {
  it('stops its partitions and says so in the status, and takes nothing of the new topic as processed', async () => {
    const config: Config = isolatedConfig('beyond_live');
    const events = topics(config.namespace).events;
    await backfill(config, logger, dirname(first));
    const store = await prepareRuntime(config, logger);
    const supervisor = new SupervisedJob(() => aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 }), logger);
    try {
      await supervisor.start();
      await supervisor.current()!.waitForPositions(await inputEndOffsets(config), { ownAll: true });
      await recreateEventsTopic(config);
      // Offsets alone tell the new topic from the old only while it holds fewer records than the
      // checkpoints' offsets (kafkajs does not see topic ids), so the file comes after the check
      // (at the partitions' new assignment, the deletion having taken them away).
      const status = await until('the aggregator failed on every partition', async () => {
        const view = supervisor.status.view();
        return view.state === 'failed' && view.reason?.match(/partition \d/g)?.length === 4 ? view : undefined;
      });
      expect(status.reason).toMatch(new RegExp(`STR_ERR_OFFSET_BEYOND_END: .*${events} partition \\d ends at offset \\d+ but its checkpoint resumes at \\d+`));
      const connector = new Connector(config, logger, { inbox: dirname(second) });
      await connector.open();
      await connector.takeFile(second, { inPlace: true });
      await connector.close();
      await supervisor.current()!.tick(true);
      // Nothing of the new topic was taken as already processed: no event of the second file is stored.
      expect(await eventsOf(store, second)).toBe(0);
    } finally {
      await supervisor.stop();
      await store.close();
    }
  });
});

describe("one partition's checkpoint past its end", () => {
  it('stops that partition with one error and a failed health status while the others go on', async () => {
    const config: Config = isolatedConfig('beyond_one');
    const events = topics(config.namespace).events;
    await backfill(config, logger, dirname(first));
    const store = await prepareRuntime(config, logger);
    const supervisor = new SupervisedJob(() => aggregatorJob(config, store, logger, { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 }), logger);
    try {
      const checkpoints = new StoreCheckpoints(store, aggregatorGroup(config.namespace));
      const checkpoint = (await checkpoints.load(events, 0, () => undefined))!;
      const end = (await inputEndOffsets(config)).get(`${events}:0`)!;
      const beyond = end + 1000;
      // The same state (no entries changed), committed at an offset past the end.
      const { progress, segment, latestEpoch } = checkpoint;
      await checkpoints.save([{ topic: events, partition: 0, nextOffset: beyond, progress, epoch: latestEpoch + 1, segment, changes: [] }]);

      await supervisor.start();
      const status = await until('the aggregator failed', async () => {
        const view = supervisor.status.view();
        return view.state === 'failed' ? view : undefined;
      });
      expect(status.reason).toContain(`STR_ERR_OFFSET_BEYOND_END: the checkpoint lies beyond the end of its partition: ${events} partition 0 ends at offset ${end} but its checkpoint resumes at ${beyond}`);
      expect(status.reason).toMatch(/salesinsights reset/);

      const connector = new Connector(config, logger, { inbox: dirname(second) });
      await connector.open();
      await connector.takeFile(second, { inPlace: true });
      await connector.close();
      const job = supervisor.current()!;
      const ends = await inputEndOffsets(config);
      // The wait for every partition fails on the stopped one; the others are read to their ends.
      await expect(job.waitForPositions(ends)).rejects.toThrow(/STR_ERR_OFFSET_BEYOND_END/);
      ends.delete(`${events}:0`);
      await job.waitForPositions(ends);
      await job.tick(true);
      const stored = await eventsOf(store, second);
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(ROWS);
      // Still failed, and partition 0 kept its checkpoint: it was not read from its start.
      expect(supervisor.status.view().state).toBe('failed');
      expect((await checkpoints.load(events, 0, () => undefined))!.nextOffset).toBe(beyond);
    } finally {
      await supervisor.stop();
      await store.close();
    }
  });
});

/** The events topic deleted, then created again (empty), under the running job. */
async function recreateEventsTopic(config: Config): Promise<void> {
  const events = topics(config.namespace).events;
  const kafka = createKafka(config, 'beyond-test');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [events] });
    await until('the events topic deleted', async () => ((await admin.listTopics()).includes(events) ? undefined : true));
  } finally {
    await admin.disconnect();
  }
  await ensureTopics(kafka, config.namespace);
}
