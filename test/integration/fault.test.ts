// Fault tolerance: a backfill of 200k events killed with SIGKILL at several random moments and
// then run to completion ends with exactly the tables of an uninterrupted run, row by row.
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from '../../ingest/tools/generate.ts';
import type { Config } from '../../core/config.ts';
import { spawnCli } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';
import { difference, dump } from '../table-dump.ts';

/** A backfill child whose log goes to `<home>/<name>.log`, kept for a post-mortem. */
const spawnBackfill = (c: Config, dir: string, name: string) => spawnCli(c, ['backfill', dir], name);

describe('kill -9 during a backfill', () => {
  it('ends with the same tables as an uninterrupted run', async () => {
    const data = tempDir('fault-data');
    await generate({ days: 2, rowsPerDay: 100_000, out: data, seed: 3 });

    const reference = isolatedConfig('ref');
    const started = Date.now();
    expect(await spawnBackfill(reference, data, 'reference').exited).toBe(0);
    const referenceMs = Date.now() - started;

    const faulty = isolatedConfig('faulty');
    const kills: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { child, exited } = spawnBackfill(faulty, data, `killed-${i}`);
      // Anywhere from start-up to past the uninterrupted run's length: a run after a kill first
      // waits (up to the 10 s session timeout) for the killed member to leave the group.
      const delay = 1000 + Math.floor(Math.random() * (referenceMs + 10_000));
      const landed = await Promise.race([sleep(delay).then(() => true), exited.then(() => false)]);
      kills.push(landed ? `${delay} ms` : `${delay} ms (run had ended)`);
      child.kill('SIGKILL');
      await exited;
    }
    expect(await spawnBackfill(faulty, data, 'final').exited, `killed after ${kills.join(', ')}`).toBe(0);

    const want = dump(reference);
    const got = dump(faulty);
    expect(want.sales_per_product!.split('\n').length).toBeGreaterThan(1000);
    expect(want.events!.split('\n').length).toBe(200_001);
    for (const table of Object.keys(want)) {
      expect(difference(want[table]!, got[table]!), `${table} differs (kills at ${kills.join(', ')}; logs in ${faulty.home})`).toEqual({ missing: [], extra: [] });
    }
  }, 300_000);
});
