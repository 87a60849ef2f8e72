// A namespace with the embedded store runs in one place, and `reset` never pulls the topics from
// under a running instance. A real `start` runs; a second `start` of the namespace on another
// home refuses with one line saying where the first runs; `reset` beside it refuses and deletes
// nothing (a file ingested afterwards still reaches the store); once it stopped, `reset` works.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { runCli, spawnCli, stopCli, cliEnv, type CliProcess } from '../cli-process.ts';
import { dropIntoInbox, isolatedConfig, tempDir, until } from '../helpers.ts';

const config = isolatedConfig('instances');
const otherHome = tempDir('instances-other');
const inbox = join(config.home, 'inbox');
const running: CliProcess[] = [];

afterAll(async () => {
  for (const run of running) await stopCli(run, 'SIGKILL');
});

async function count(queryUrl: string): Promise<number> {
  const res = await fetch(`${queryUrl}/?database=${config.namespace}`, { method: 'POST', body: 'SELECT count() FROM events' });
  return Number((await res.text()).trim());
}

describe('the instances of a namespace', () => {
  it('a second start on another home and a reset beside a running start are refused; reset works once it stopped', async () => {
    mkdirSync(inbox, { recursive: true });
    const first = spawnCli(config, ['start', '--port', '0', '--query-port', '0'], 'first-start');
    running.push(first);
    const queryUrl = await until('the first start up', async () => /query endpoint: (http:\/\/\S+)/.exec(readFileSync(first.log, 'utf8'))?.[1]);
    // Its membership is the lease: wait until the group shows it.
    await until('the first start in its instances group', async () => {
      const r = await runCli(['reset'], cliEnv(config, { LOG_LEVEL: 'error' }), 60_000);
      return r.code !== 0 ? r : undefined;
    }).then((refused) => {
      expect(refused.stderr.trim()).toMatch(new RegExp(`^error: reset: namespace "${config.namespace}" is in use by \`salesinsights start\` \\(pid ${first.child.pid} on .*SALESINSIGHTS_HOME=${config.home}\\); nothing was deleted\\. Stop it first`));
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    });

    const second = await runCli(['start', '--port', '0', '--query-port', '0'], cliEnv(config, { SALESINSIGHTS_HOME: otherHome, LOG_LEVEL: 'error' }), 120_000);
    expect(second.code).toBe(2);
    expect(second.stderr.trim()).toMatch(new RegExp(`^configuration error: SALESINSIGHTS_NAMESPACE: .*runs already: \`salesinsights start\` \\(pid ${first.child.pid} .*SALESINSIGHTS_HOME=${config.home}\\)`));

    // Nothing was deleted: the first start goes on ingesting.
    dropIntoInbox(inbox, '2019-10-01.csv', `${CSV_HEADER}\n2019-10-01 10:00:00 UTC,purchase,777001,1,,b,1.00,901,s-1\n`);
    await until('the file stored by the first start', async () => ((await count(queryUrl)) === 1 ? true : undefined), 90_000);

    expect(await stopCli(first)).toBe(0);
    const reset = await runCli(['reset', '--yes'], cliEnv(config, { LOG_LEVEL: 'error' }), 120_000);
    expect(reset.code, reset.stderr).toBe(0);
  });
});
