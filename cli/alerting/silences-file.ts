// Silences live in a file under $SALESINSIGHTS_HOME, not in the store: with the embedded store only
// the running `start` may open it, so `alerts silence` beside it could not write a table. The CLI
// replaces the file atomically (write, then rename), and the evaluator reads it at every
// evaluation, so a silence takes effect within one evaluation interval, with either store mode.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { activeSilences, type Silence } from '../../dashboard/alerting/index.ts';

export interface StoredSilence extends Silence {
  createdAtMs: number;
}

interface SilenceLine {
  rule: string;
  ends_at: string;
  created_at: string;
}

export function silencesPath(config: Pick<Config, 'home'>): string {
  return join(config.home, 'alerts', 'silences.json');
}

/** The silences in the file (none when there is no file); an unreadable file is an error, not "no silences". */
export function readSilences(config: Pick<Config, 'home'>): StoredSilence[] {
  let text: string;
  try {
    text = readFileSync(silencesPath(config), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = JSON.parse(text) as SilenceLine[];
  return lines.map((s) => ({ rule: s.rule, endsAtMs: Date.parse(s.ends_at), createdAtMs: Date.parse(s.created_at) }));
}

/** Adds a silence and drops the ended ones; answers the silences now in force. */
export function addSilence(config: Pick<Config, 'home'>, rule: string, endsAtMs: number, nowMs: number): StoredSilence[] {
  const kept = activeSilences(readSilences(config), nowMs) as StoredSilence[];
  const all = [...kept, { rule, endsAtMs, createdAtMs: nowMs }];
  const file = silencesPath(config);
  mkdirSync(join(config.home, 'alerts'), { recursive: true });
  const lines: SilenceLine[] = all.map((s) => ({ rule: s.rule, ends_at: new Date(s.endsAtMs).toISOString(), created_at: new Date(s.createdAtMs).toISOString() }));
  writeFileSync(`${file}.tmp`, `${JSON.stringify(lines, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return all;
}
