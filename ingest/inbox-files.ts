// Which inbox entries the connector takes, and when a file counts as complete. Shared by the
// watcher, `connect --once` and backfill, so all three apply the same rules.
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../core/logger.ts';

export const TAKEN_NAMES = '*.csv, *.csv.gz';
/** Names of files still being written under the write-then-rename convention. */
const IN_PROGRESS = /\.(tmp|part|partial|crdownload)$/i;
const TAKEN = /\.csv(\.gz)?$/i;

/** `take` a data file, `ignore` one in progress (or .done/.failed), `other` is warned about. */
export function nameRule(name: string): 'take' | 'ignore' | 'other' {
  if (name.startsWith('.') || IN_PROGRESS.test(name)) return 'ignore';
  return TAKEN.test(name) ? 'take' : 'other';
}

export const isGzip = (name: string) => /\.gz$/i.test(name);

/** Why an entry that lstat (or a listing's entry) describes is not taken (links are never followed), or undefined. */
export function notRegular(stats: Pick<Stats, 'isSymbolicLink' | 'isDirectory' | 'isFile'>): string | undefined {
  if (stats.isSymbolicLink()) return 'a symbolic link: links are not followed out of the inbox';
  if (stats.isDirectory()) return 'a directory';
  if (!stats.isFile()) return 'not a regular file (fifo, socket or device)';
  return undefined;
}

export interface Observation {
  size: number;
  mtimeMs: number;
  /** When size and mtime were first seen as they are now. */
  since: number;
}

/**
 * The next observation of a file and whether it is quiet: unchanged since the previous look,
 * and either seen unchanged for `quietMs` or not modified for `quietMs` (a file that was already
 * there at start is taken at once).
 */
export function observe(
  previous: Observation | undefined,
  stats: { size: number; mtimeMs: number },
  now: number,
  quietMs: number,
): { observation: Observation; quiet: boolean } {
  const unchanged = previous !== undefined && previous.size === stats.size && previous.mtimeMs === stats.mtimeMs;
  const observation = { size: stats.size, mtimeMs: stats.mtimeMs, since: unchanged ? previous.since : now };
  if (previous !== undefined && !unchanged) return { observation, quiet: false };
  return { observation, quiet: now - observation.since >= quietMs || now - stats.mtimeMs >= quietMs };
}

/**
 * Which of `paths` some process holds open, from /proc/<pid>/fd (Linux): one scan for all of them,
 * so a pass over a backlog costs one scan, not one per file. The paths name regular files, not
 * links: only their folders are resolved (once each). Only processes we may inspect are seen (our
 * user's), and without /proc the answer is empty: an extra signal on top of the quiet period,
 * never the only one.
 */
export async function heldOpen(paths: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  if (paths.length === 0) return held;
  const folders = new Map<string, string>();
  const wanted = new Map<string, string>();
  for (const path of paths) {
    const folder = dirname(path);
    let real = folders.get(folder);
    if (real === undefined) folders.set(folder, (real = await realpath(folder).catch(() => folder)));
    wanted.set(join(real, basename(path)), path);
  }
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
    for (const target of targets) {
      const path = wanted.get(target);
      if (path !== undefined) held.add(path);
    }
  }
  return held;
}

/**
 * The inbox entries to take now, in lexical order: data files by name, regular files only. Every
 * other entry (except dot-files and in-progress names) gets one warning line.
 */
export async function selectFiles(dir: string, logger: Logger): Promise<string[]> {
  const taken: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const rule = nameRule(name);
    if (rule === 'ignore') continue;
    const why = rule === 'other' ? undefined : await lstat(join(dir, name)).then(notRegular, () => 'gone before it was read');
    if (rule === 'take' && why === undefined) taken.push(name);
    else warnNotTaken(logger, name, why);
  }
  return taken;
}

/** The one warning for an entry the connector leaves alone. */
export function warnNotTaken(logger: Logger, file: string, why: string | undefined): void {
  logger.warn({ file, taken: TAKEN_NAMES }, `inbox entry not taken: ${why ?? 'not a data file name'}; left alone`);
}
