// alerts list / alerts silence: the rules in force (the defaults combined with
// SALESINSIGHTS_ALERT_RULES), each alert's latest state from `alerts`, and the silences file. Both
// work beside a running `start`: the states are read through its query endpoint (as `sql` reads),
// and a silence is written to the file the evaluator re-reads (silences-file.ts).
import type { Config } from '../../core/config.ts';
import { ConfigError, durationMsOfText, type Env } from '../../core/settings.ts';
import { activeSilences, loadAlertRules, type AlertRule } from '../../dashboard/alerting/index.ts';
import { addSilence, readSilences, type StoredSilence } from '../alerting/silences-file.ts';
import { openClvStore } from './clv-store.ts';

export interface AlertStateLine {
  rule: string;
  labels: Record<string, string>;
  state: string;
  value: number;
  since: string;
  summary: string;
}

export interface AlertsListing {
  rules: Array<{ name: string; kind: AlertRule['kind']; condition: string; for: string; state: 'inactive' | 'pending' | 'firing'; alerts: AlertStateLine[] }>;
  silences: Array<{ rule: string; ends_at: string; created_at: string }>;
}

/** Each alert's latest change, where it is pending or firing (what is active now). */
function activeAlertsStatement(database: string) {
  return {
    sql: `SELECT rule, labels, state, value, toString(last_change) AS since, summary
          FROM (SELECT rule, fingerprint, argMax(state, changed_at) AS state, argMax(labels, changed_at) AS labels, argMax(value, changed_at) AS value,
                       max(changed_at) AS last_change, argMax(summary, changed_at) AS summary
                FROM ${database}.alerts GROUP BY rule, fingerprint)
          WHERE state IN ('pending', 'firing') ORDER BY rule, since`,
    params: {},
  };
}

async function activeAlerts(config: Config): Promise<AlertStateLine[]> {
  const access = await openClvStore(config);
  try {
    let text = '';
    for await (const chunk of access.read(activeAlertsStatement(config.namespace))) text += chunk.toString('utf8');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const r = JSON.parse(l) as Omit<AlertStateLine, 'labels'> & { labels: string };
        return { ...r, value: Number(r.value), labels: JSON.parse(r.labels) as Record<string, string> };
      });
  } finally {
    await access.close();
  }
}

const seconds = (ms: number) => `${ms / 1000}s`;
const silenceLine = (s: StoredSilence) => ({ rule: s.rule, ends_at: new Date(s.endsAtMs).toISOString(), created_at: new Date(s.createdAtMs).toISOString() });

export async function alertsList(config: Config, env: Env, nowMs = Date.now()): Promise<AlertsListing> {
  const rules = loadAlertRules(env);
  const alerts = await activeAlerts(config);
  return {
    rules: rules.map((r) => {
      const own = alerts.filter((a) => a.rule === r.name);
      const state = own.some((a) => a.state === 'firing') ? 'firing' : own.length > 0 ? 'pending' : 'inactive';
      return { name: r.name, kind: r.kind, condition: r.condition.type, for: seconds(r.forMs), state, alerts: own };
    }),
    silences: (activeSilences(readSilences(config), nowMs) as StoredSilence[]).map(silenceLine),
  };
}

/** Silences `rule` for `forText` (a duration like 2h); an unknown rule or duration is refused. */
export function alertsSilence(config: Config, env: Env, rule: string, forText: string, nowMs = Date.now()): { rule: string; ends_at: string } {
  const rules = loadAlertRules(env);
  if (!rules.some((r) => r.name === rule)) {
    throw new Error(`"${rule}" is no alert rule; the rules are ${rules.map((r) => r.name).join(', ')}`);
  }
  const forMs = durationMsOfText(forText);
  if (!(forMs > 0)) throw new ConfigError('--for', `"${forText}" is not a duration; write it with its unit, like 30m, 2h`);
  const endsAtMs = nowMs + forMs;
  addSilence(config, rule, endsAtMs, nowMs);
  return { rule, ends_at: new Date(endsAtMs).toISOString() };
}
