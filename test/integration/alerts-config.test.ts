// A wrong alert rules file stops `start` and `backfill` before anything starts, with one line
// naming the setting, the rule and the field (exit 2); `alerts silence` refuses an unknown rule
// and lists the silences it writes beside the rules in force.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, runCli } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const config = isolatedConfig('alertscfg');
const BAD_LINE = 'configuration error: SALESINSIGHTS_ALERT_RULES: alert rule "ingest-stalled": field "for": expected a duration like 2m, got "2 minutes"\n';

describe('alert settings on the command line', () => {
  it.each([['start'], ['backfill']])('%s with a wrong rules file ends with its one line, exit 2', async (command) => {
    const rules = join(config.home, 'bad-rules.yml');
    writeFileSync(rules, 'rules:\n  - name: ingest-stalled\n    condition: { type: ingest_stalled }\n    for: 2 minutes\n');
    const args = command === 'backfill' ? ['backfill', tempDir('alerts-nothing')] : ['start'];
    const run = await runCli(args, cliEnv(config, { SALESINSIGHTS_ALERT_RULES: rules }), 60_000);
    expect([run.code, run.stderr]).toEqual([2, BAD_LINE]);
  });

  it('alerts silence refuses an unknown rule; a known one is listed by alerts list until it ends', async () => {
    const unknown = await runCli(['alerts', 'silence', 'no-such-rule', '--for', '2h'], cliEnv(config), 60_000);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: alerts silence: "no-such-rule" is no alert rule; the rules are ingest-stalled, .*revenue-below-forecast/);
    const silenced = await runCli(['alerts', 'silence', 'revenue-below-forecast', '--for', '2h'], cliEnv(config), 60_000);
    expect(silenced.code).toBe(0);
    const { ends_at: endsAt } = JSON.parse(silenced.stdout) as { ends_at: string };
    expect(Date.parse(endsAt) - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
    const list = await runCli(['alerts', 'list'], cliEnv(config), 120_000);
    expect(list.code).toBe(0);
    const listing = JSON.parse(list.stdout) as { rules: Array<{ name: string; state: string }>; silences: Array<{ rule: string; ends_at: string }> };
    expect(listing.silences).toEqual([{ rule: 'revenue-below-forecast', ends_at: endsAt, created_at: expect.any(String) }]);
    expect(listing.rules.map((r) => [r.name, r.state])).toContainEqual(['revenue-below-forecast', 'inactive']);
  });
});
