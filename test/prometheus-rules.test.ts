// deploy/prometheus/alerts.yml passes `promtool check rules` (Debian's prometheus package, which
// the test setup installs: test/setup/system-packages.ts), and names the same pipeline rules as
// the built-in set, so the two ways of alerting stay in step. Without promtool the test fails: it
// must run wherever the suite runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_RULES } from '../dashboard/alerting/index.ts';

const RULES_FILE = 'deploy/prometheus/alerts.yml';

describe('deploy/prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const check = spawnSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    if (check.error) throw new Error(`promtool is missing (${check.error.message}); the test setup installs it with Debian's prometheus package as root: apt-get install -y prometheus`);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("holds an alert for each built-in pipeline rule, under the rule's name and severity", () => {
    const doc = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; labels: { severity: string } }> }> };
    const alerts = new Map(doc.groups.flatMap((g) => g.rules).map((r) => [r.alert, r.labels.severity]));
    for (const rule of DEFAULT_RULES.filter((r) => r.kind === 'pipeline')) expect([rule.name, alerts.get(rule.name)]).toEqual([rule.name, rule.labels.severity]);
  });
});
