// A kill -9 inside a checkpoint: after its state entries are written but before they are
// committed, inside a compaction, and after a compaction is committed but before the old
// segments are removed. The next run restores the last committed checkpoint and ends with
// exactly the tables of an uninterrupted run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../ingest/tools/generate.ts';
import { cliEnv, runCli } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';
import { difference, dump } from '../table-dump.ts';

let days: string[];
let uninterrupted: Record<string, string>;

beforeAll(async () => {
  days = await generate({ days: 2, rowsPerDay: 1_500, out: tempDir('crash-data'), seed: 11 });
  const reference = isolatedConfig('crashref');
  const run = await runCli(['backfill', join(days[0]!, '..')], cliEnv(reference));
  expect(run.code, run.stderr).toBe(0);
  uninterrupted = dump(reference);
}, 180_000);

/** Copies the file into the inbox and runs `connect --once` on it. */
async function ingest(env: NodeJS.ProcessEnv, inbox: string, file: string): Promise<void> {
  copyFileSync(file, join(inbox, basename(file)));
  const run = await runCli(['connect', '--inbox', inbox, '--once'], env);
  expect(run.code, run.stderr).toBe(0);
}

describe('an aggregator killed inside a checkpoint', () => {
  it.each(['entries', 'compaction', 'compaction-committed'])('at %s: the next run ends with the tables of an uninterrupted run', async (crashAt) => {
    const config = isolatedConfig(`crash${crashAt.replaceAll('-', '')}`);
    const env = cliEnv(config, { LOG_LEVEL: 'warn' });
    const inbox = join(config.home, 'inbox');
    mkdirSync(inbox, { recursive: true });
    await ingest(env, inbox, days[0]!);

    const child = spawn(process.execPath, ['--import', 'tsx', 'test/crashing-aggregator.ts'], { env: { ...env, CRASH_AT: crashAt }, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    // Read to the end (the child writes a line per checkpoint): a closed pipe would fail its next write.
    let seen = '';
    const committed = new Promise<void>((resolve) => child.stdout!.on('data', (chunk) => ((seen += String(chunk)).includes('committed') ? resolve() : undefined)));
    await Promise.race([
      committed,
      exited.then(([code, signal]) => Promise.reject(new Error(`the aggregator ended (${code ?? signal}) before committing a checkpoint`))),
    ]);
    // The second day's changes go into the next checkpoint, which the kill interrupts.
    await ingest(env, inbox, days[1]!);
    const [code, signal] = await exited;
    expect([code, signal]).toEqual([null, 'SIGKILL']);

    const rerun = await runCli(['backfill', join(days[0]!, '..')], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = dump(config);
    for (const [table, rows] of Object.entries(uninterrupted)) {
      expect(difference(rows, after[table]!), table).toEqual({ missing: [], extra: [] });
    }
  }, 360_000);
});
