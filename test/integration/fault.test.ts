// Fault tolerance: a backfill of 200k events killed with SIGKILL at several random moments and
// then run to completion ends with exactly the tables of an uninterrupted run, row by row.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from '../../ingest/tools/generate.ts';
import type { Config } from '../../src/config.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const envOf = (c: Config) => ({ ...process.env, SALESINSIGHTS_HOME: c.home, SALESINSIGHTS_NAMESPACE: c.namespace, LOG_LEVEL: 'info' });

/** A backfill child whose log goes to `<home>/<name>.log`, kept for a post-mortem. */
function spawnBackfill(c: Config, dir: string, name: string) {
  const log = openSync(join(c.home, `${name}.log`), 'w');
  const child = spawn(process.execPath, ['bin/salesinsights.js', 'backfill', dir], { env: envOf(c), stdio: ['ignore', log, log] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

/** Dumps of every public table without the columns that record when a run happened. */
function dump(c: Config): Record<string, string> {
  const db = c.namespace;
  const queries: Record<string, string> = {
    sales_per_product: `SELECT * FROM ${db}.sales_per_product ORDER BY window_start, product_id`,
    customer_lifetime_value: `SELECT * FROM ${db}.customer_lifetime_value ORDER BY user_id`,
    late_events: `SELECT * FROM ${db}.late_events ORDER BY source_file, source_line`,
    rejected_events: `SELECT * EXCEPT rejected_at FROM ${db}.rejected_events ORDER BY source_file, source_line`,
    events: `SELECT * EXCEPT ingested_at FROM ${db}.events ORDER BY source_file, source_line`,
  };
  return Object.fromEntries(
    Object.entries(queries).map(([table, query]) => {
      const r = spawnSync(process.execPath, ['bin/salesinsights.js', 'sql', query], { env: envOf(c), maxBuffer: 1 << 30, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`sql failed for ${table}: ${r.stderr}`);
      return [table, r.stdout];
    }),
  );
}

/** Rows of the uninterrupted run missing after the kills, and rows only the killed run has (first 10 each). */
function difference(want: string, got: string): { missing: string[]; extra: string[] } {
  const [w, g] = [new Set(want.split('\n')), new Set(got.split('\n'))];
  return { missing: [...w].filter((r) => !g.has(r)).slice(0, 10), extra: [...g].filter((r) => !w.has(r)).slice(0, 10) };
}

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
