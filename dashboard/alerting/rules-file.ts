// The alert rules file (SALESINSIGHTS_ALERT_RULES), YAML or JSON (JSON is YAML to the parser):
//
//   use_defaults: true          # default: the file overrides built-in rules by name and adds its own;
//                               # false: the file's rules are the whole set
//   rules:
//     - name: ingest-stalled    # unique: letters, digits, - and _
//       kind: pipeline          # optional: pipeline (wall-clock) or business (event time); must match the condition
//       condition: { type: ingest_stalled }   # conditions.ts lists the types and their parameters
//       for: 2m                 # default 0s; units ms, s, m, h
//       keep_firing_for: 0s     # default 0s
//       repeat_interval: 4h     # default 4h
//       labels: { severity: critical }
//       annotations: { summary: "{{ $value }} files wait" }   # templates over $labels.<name> and $value
//
// A mistake fails with one line naming the rule and the field.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { nonEmpty, type Env } from '../../core/settings.ts';
import { conditionKind, readCondition, RULE_KINDS } from './conditions.ts';
import { DEFAULT_RULES } from './default-rules.ts';
import { FieldReader, isMapping } from './fields.ts';
import { DEFAULT_REPEAT_INTERVAL_MS, type AlertRule } from './rule.ts';
import { ALERT_RULES_SETTING, AlertRuleError, shown } from './rule-error.ts';
import { unknownPlaceholder } from './template.ts';

const RULE_FIELDS = ['name', 'kind', 'condition', 'for', 'keep_firing_for', 'repeat_interval', 'labels', 'annotations'];
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function readRule(raw: unknown, index: number): AlertRule {
  const position = `#${index + 1}`;
  if (!isMapping(raw)) throw new AlertRuleError(position, undefined, `expected a mapping, got ${shown(raw)}`);
  const named = typeof raw.name === 'string' && RULE_NAME.test(raw.name);
  const fields = new FieldReader(raw, named ? `"${raw.name as string}"` : position);
  const name = fields.string('name');
  if (!named) fields.fail('name', `expected letters, digits, - and _, got ${shown(name)}`);
  fields.onlyKnown(RULE_FIELDS);
  const condition = readCondition(fields.mapping('condition'));
  const kind = fields.oneOf('kind', RULE_KINDS, conditionKind(condition));
  if (kind !== conditionKind(condition)) fields.fail('kind', `condition ${condition.type} is a ${conditionKind(condition)} condition, got ${shown(kind)}`);
  const annotations = fields.stringMap('annotations');
  for (const [field, template] of Object.entries(annotations)) {
    const bad = unknownPlaceholder(template);
    if (bad !== undefined) fields.fail(`annotations.${field}`, `unknown template ${shown(bad)}; expected {{ $labels.<name> }} or {{ $value }}`);
  }
  return {
    name,
    kind,
    condition,
    forMs: fields.durationMs('for', 0),
    keepFiringForMs: fields.durationMs('keep_firing_for', 0),
    repeatIntervalMs: fields.durationMs('repeat_interval', DEFAULT_REPEAT_INTERVAL_MS),
    labels: fields.stringMap('labels'),
    annotations,
  };
}

/** The rules a file's text gives, combined with `defaults` (overridden by name unless `use_defaults: false`). */
export function parseAlertRules(text: string, defaults: readonly AlertRule[] = DEFAULT_RULES): AlertRule[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new AlertRuleError(undefined, undefined, `not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isMapping(doc)) throw new AlertRuleError(undefined, undefined, `expected a mapping with "rules", got ${shown(doc)}`);
  for (const key of Object.keys(doc)) {
    if (key !== 'rules' && key !== 'use_defaults') throw new AlertRuleError(undefined, key, 'unknown field; expected rules, use_defaults');
  }
  const useDefaults = doc.use_defaults ?? true;
  if (typeof useDefaults !== 'boolean') throw new AlertRuleError(undefined, 'use_defaults', `expected true or false, got ${shown(useDefaults)}`);
  const list = doc.rules ?? [];
  if (!Array.isArray(list)) throw new AlertRuleError(undefined, 'rules', `expected a list of rules, got ${shown(list)}`);
  const own = list.map(readRule);
  const seen = new Set<string>();
  for (const r of own) {
    if (seen.has(r.name)) throw new AlertRuleError(`"${r.name}"`, 'name', 'defined twice in the file');
    seen.add(r.name);
  }
  const kept = useDefaults ? defaults.filter((d) => !seen.has(d.name)) : [];
  return [...kept, ...own];
}

/** The rules in force: the defaults, or those combined with the file SALESINSIGHTS_ALERT_RULES names. */
export function loadAlertRules(env: Env): AlertRule[] {
  const file = nonEmpty(env, ALERT_RULES_SETTING);
  if (file === undefined) return [...DEFAULT_RULES];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AlertRuleError(undefined, undefined, `"${file}" cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseAlertRules(text);
}
