import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONDITION_TYPES } from './conditions.ts';
import { DEFAULT_RULES } from './default-rules.ts';
import { loadAlertRules, parseAlertRules } from './rules-file.ts';

const VALID = `
rules:
  - name: ingest-stalled
    condition: { type: ingest_stalled }
    for: 3m
    labels: { severity: page }
    annotations: { summary: "{{ $value }} files wait" }
  - name: big-rejects
    kind: pipeline
    condition: { type: rejected_ratio_above, threshold: 0.05, window: 5m }
    for: 1m
    keep_firing_for: 10m
    repeat_interval: 1h
`;

/** The one-line error the file `rules` (a YAML list) gives. */
function errorOf(rules: string): string {
  try {
    parseAlertRules(`rules:\n${rules}`);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('the alert rules file', () => {
  it('reads each field and overrides the default rules by name', () => {
    const rules = parseAlertRules(VALID);
    const stalled = rules.find((r) => r.name === 'ingest-stalled')!;
    expect(stalled).toEqual({
      name: 'ingest-stalled',
      kind: 'pipeline',
      condition: { type: 'ingest_stalled' },
      forMs: 180_000,
      keepFiringForMs: 0,
      repeatIntervalMs: 4 * 3_600_000,
      labels: { severity: 'page' },
      annotations: { summary: '{{ $value }} files wait' },
    });
    expect(rules.find((r) => r.name === 'big-rejects')).toMatchObject({
      condition: { type: 'rejected_ratio_above', threshold: 0.05, windowMs: 300_000 },
      forMs: 60_000,
      keepFiringForMs: 600_000,
      repeatIntervalMs: 3_600_000,
    });
    expect(rules.map((r) => r.name).sort()).toEqual([...DEFAULT_RULES.map((r) => r.name), 'big-rejects'].sort());
  });

  it('with use_defaults: false holds only its own rules; JSON is read as well', () => {
    const json = JSON.stringify({ use_defaults: false, rules: [{ name: 'slow', condition: { type: 'e2e_p99_above', ms: 900 } }] });
    expect(parseAlertRules(json)).toEqual([
      { name: 'slow', kind: 'pipeline', condition: { type: 'e2e_p99_above', ms: 900 }, forMs: 0, keepFiringForMs: 0, repeatIntervalMs: 14_400_000, labels: {}, annotations: {} },
    ]);
  });

  it('fills the conditions\' default parameters', () => {
    const [rule] = parseAlertRules('use_defaults: false\nrules:\n  - { name: drop, condition: { type: revenue_below_forecast } }');
    expect(rule).toMatchObject({ kind: 'business', condition: { type: 'revenue_below_forecast', bound: 'lo95', hours: 2 } });
  });

  it('names the rule and the field of each mistake in one line', () => {
    const cases: [string, string][] = [
      ['  - { name: ingest-stalled, condition: { type: ingest_stalled }, for: soon }', 'alert rule "ingest-stalled": field "for": expected a duration like 2m, got "soon"'],
      ['  - { name: a, condition: { type: ingest_stalled }, keep_firing_for: 5 }', 'alert rule "a": field "keep_firing_for": expected a duration like 2m, got 5'],
      ['  - { name: a, condition: { type: ingest_stalled }, repeat_interval: 1d }', 'alert rule "a": field "repeat_interval": expected a duration like 2m, got "1d"'],
      ['  - { name: a, condition: { type: no_such } }', `alert rule "a": field "condition.type": expected one of ${CONDITION_TYPES.join(', ')}, got "no_such"`],
      ['  - { name: a, condition: { type: rejected_ratio_above, threshold: 2 } }', 'alert rule "a": field "condition.threshold": expected a number 0..1, got 2'],
      ['  - { name: a, condition: { type: rejected_ratio_above } }', 'alert rule "a": field "condition.threshold": expected a number 0..1, got nothing'],
      ['  - { name: a, condition: { type: e2e_p99_above, ms: 5, window: 1m } }', 'alert rule "a": field "condition.window": unknown field; expected one of type, ms'],
      ['  - { name: a, condition: { type: revenue_below_forecast, bound: hi95 } }', 'alert rule "a": field "condition.bound": expected one of lo80, lo95, got "hi95"'],
      ['  - { name: a, condition: { type: revenue_below_forecast, hours: 1.5 } }', 'alert rule "a": field "condition.hours": expected an integer 1..168, got 1.5'],
      ['  - { name: a, kind: pipeline, condition: { type: abandonment_rate_above, threshold: 0.9 } }', 'alert rule "a": field "kind": condition abandonment_rate_above is a business condition, got "pipeline"'],
      ['  - { name: a, kind: weekly, condition: { type: ingest_stalled } }', 'alert rule "a": field "kind": expected one of pipeline, business, got "weekly"'],
      ['  - { name: a }', 'alert rule "a": field "condition": is required'],
      ['  - { name: a, condition: { type: ingest_stalled }, fore: 2m }', 'alert rule "a": field "fore": unknown field; expected one of name, kind, condition, for, keep_firing_for, repeat_interval, labels, annotations'],
      ['  - { name: a, condition: { type: ingest_stalled }, labels: { team: 7 } }', 'alert rule "a": field "labels.team": expected a string, got 7'],
      ['  - { name: a, condition: { type: ingest_stalled }, annotations: { summary: "{{ .Value }}" } }', 'alert rule "a": field "annotations.summary": unknown template "{{ .Value }}"; expected {{ $labels.<name> }} or {{ $value }}'],
      ['  - { condition: { type: ingest_stalled } }', 'alert rule #1: field "name": is required'],
      ['  - { name: "two words", condition: { type: ingest_stalled } }', 'alert rule #1: field "name": expected letters, digits, - and _, got "two words"'],
      ['  - { name: a, condition: { type: ingest_stalled } }\n  - { name: a, condition: { type: checkpoint_failing } }', 'alert rule "a": field "name": defined twice in the file'],
      ['  - 7', 'alert rule #1: expected a mapping, got 7'],
    ];
    for (const [rules, message] of cases) expect(errorOf(rules), rules).toBe(`SALESINSIGHTS_ALERT_RULES: ${message}`);
  });

  it('refuses a file that is not a rules mapping', () => {
    expect(() => parseAlertRules('rules: [')).toThrow(/^SALESINSIGHTS_ALERT_RULES: not YAML or JSON: /);
    expect(() => parseAlertRules('- a')).toThrow('SALESINSIGHTS_ALERT_RULES: expected a mapping with "rules", got ["a"]');
    expect(() => parseAlertRules('use_defaults: maybe')).toThrow('SALESINSIGHTS_ALERT_RULES: field "use_defaults": expected true or false, got "maybe"');
  });

  it('is read from the file the setting names; without the setting the defaults hold', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
    const file = join(dir, 'rules.yml');
    writeFileSync(file, VALID);
    expect(loadAlertRules({ SALESINSIGHTS_ALERT_RULES: file }).find((r) => r.name === 'ingest-stalled')?.forMs).toBe(180_000);
    expect(loadAlertRules({})).toEqual(DEFAULT_RULES);
    expect(() => loadAlertRules({ SALESINSIGHTS_ALERT_RULES: join(dir, 'none.yml') })).toThrow(/cannot be read \(ENOENT\)/);
  });

  it('has defaults the parser accepts: each written as a file gives the same rule back', () => {
    for (const d of DEFAULT_RULES) {
      const { type, ...params } = d.condition;
      const asFile = Object.fromEntries(
        Object.entries(params).map(([k, v]) => (k === 'windowMs' ? ['window', `${(v as number) / 60_000}m`] : [k, v])),
      );
      const text = JSON.stringify({
        use_defaults: false,
        rules: [{ name: d.name, kind: d.kind, condition: { type, ...asFile }, for: `${d.forMs}ms`, labels: d.labels, annotations: d.annotations }],
      });
      expect(parseAlertRules(text)).toEqual([d]);
    }
  });
});
