// SALESINSIGHTS_PARTITIONS: a namespace's topics are created with it, a backfill over 6
// partitions ends with the tables of one over 4, and a namespace whose topics hold 4 is refused
// with 6 by every command that creates or uses them (its topics are left as they were).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKafka, fetchEndOffsets } from '../../core/kafka.ts';
import { topics } from '../../core/topics.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { cliEnv, runCli } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';
import { difference, dump } from '../table-dump.ts';
import type { Config } from '../../core/config.ts';

const fourPartitions = isolatedConfig('parts4');
const sixPartitions = isolatedConfig('parts6', { SALESINSIGHTS_PARTITIONS: '6' });
let dataDir: string;

/** The partition count of each of the namespace's topics. */
async function partitionCounts(c: Config): Promise<Record<string, number>> {
  const admin = createKafka(c, 'partition-count-test').admin();
  await admin.connect();
  try {
    const { topics: found } = await admin.fetchTopicMetadata({ topics: Object.values(topics(c.namespace)) });
    return Object.fromEntries(found.map((t) => [t.name, t.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  const days = await generate({ days: 2, rowsPerDay: 1_500, out: tempDir('parts-data'), seed: 27 });
  dataDir = join(days[0]!, '..');
}, 60_000);

describe('SALESINSIGHTS_PARTITIONS', () => {
  it('topics created with 6 have 6 partitions, all used, and a backfill over them gives the tables of one over 4', async () => {
    const four = await runCli(['backfill', dataDir], cliEnv(fourPartitions, { LOG_LEVEL: 'warn' }));
    expect(four.code, four.stderr).toBe(0);
    const six = await runCli(['backfill', dataDir], cliEnv(sixPartitions, { LOG_LEVEL: 'warn', SALESINSIGHTS_PARTITIONS: '6' }));
    expect(six.code, six.stderr).toBe(0);

    expect(Object.values(await partitionCounts(fourPartitions))).toEqual([4, 4, 4, 4, 4]);
    expect(Object.values(await partitionCounts(sixPartitions))).toEqual([6, 6, 6, 6, 6]);
    // The events are spread over all six (keyed by user_id), not only the first four.
    const admin = createKafka(sixPartitions, 'partition-count-test').admin();
    await admin.connect();
    const ends = await fetchEndOffsets(admin, topics(sixPartitions.namespace).events).finally(() => admin.disconnect());
    expect(ends.filter((p) => p.end > 0).map((p) => p.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);

    const withFour = dump(fourPartitions);
    const withSix = dump(sixPartitions);
    expect(withFour.events!.split('\n').length).toBeGreaterThan(3_000);
    for (const [table, rows] of Object.entries(withFour)) {
      expect(difference(rows, withSix[table]!), table).toEqual({ missing: [], extra: [] });
    }
  }, 360_000);

  it('a namespace whose topics hold 4 partitions is refused with 6 by start, backfill and connect, in one line; its topics stay as they were', async () => {
    const env = cliEnv(fourPartitions, { LOG_LEVEL: 'error', SALESINSIGHTS_PARTITIONS: '6' });
    // Inboxes of their own: three instance ids, so that none is refused for another's.
    const runs = await Promise.all([
      runCli(['start', '--port', '0', '--query-port', '0', '--inbox', tempDir('parts-start')], env, 120_000),
      runCli(['backfill', dataDir], env, 120_000),
      runCli(['connect', '--inbox', tempDir('parts-connect'), '--once'], env, 120_000),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(
        new RegExp(`^configuration error: SALESINSIGHTS_PARTITIONS: is 6, but topic ${fourPartitions.namespace}\\.[a-z-]+ exists with 4 partitions; .*set SALESINSIGHTS_PARTITIONS=4`),
      );
    }
    expect(Object.values(await partitionCounts(fourPartitions))).toEqual([4, 4, 4, 4, 4]);
  }, 240_000);
});
