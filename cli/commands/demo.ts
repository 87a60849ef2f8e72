// start --demo: a realistic synthetic week (136k rows a day, the real dataset's rate) generated
// once into $SALESINSIGHTS_HOME/demo as hourly slices, then replayed into the inbox at one day per
// minute (a slice every 2.5 s) while start runs, so the dashboard opens with charts that move.
// A restart resumes after the newest window in the store; a slice dropped again is harmless (the
// connector's ledger never ingests a line twice). After `reset` the week replays from its start.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { Store } from '../../aggregates/store.ts';
import { latestWindowEnd } from '../../aggregates/event-time-queries.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { replay } from '../../ingest/tools/replay.ts';

export interface DemoOptions {
  days: number;
  rowsPerDay: number;
  /** First day of the week, YYYY-MM-DD: after the shipped sample (2019-10-01 .. 03), so both fit in one store. */
  startDay: string;
  seed: number;
  /** Wall-clock time one day of events takes to replay. */
  dayMs: number;
}

export const DEMO_DEFAULTS: DemoOptions = { days: 7, rowsPerDay: 136_000, startDay: '2019-10-07', seed: 2019, dayMs: 60_000 };

const HOUR_MS = 3_600_000;
const MANIFEST = 'manifest.json';

export const demoDir = (config: Config): string => join(config.home, 'demo');

type Manifest = Pick<DemoOptions, 'days' | 'rowsPerDay' | 'startDay' | 'seed'> & { files: string[] };

/** The end (epoch ms) of the hour a slice named YYYY-MM-DD-HH.csv covers. */
export function sliceEnd(file: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})-(\d{2})\.csv$/.exec(file);
  if (!m) throw new Error(`${file} is not a demo slice (YYYY-MM-DD-HH.csv)`);
  return Date.parse(`${m[1]}T${m[2]}:00:00Z`) + HOUR_MS;
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/**
 * The week's slices in `dir` (file names, in time order): reused when a complete earlier run with
 * the same options left them there (the manifest is written last), generated otherwise.
 */
export async function prepareDemo(dir: string, options: DemoOptions, logger: Logger): Promise<string[]> {
  const wanted = { days: options.days, rowsPerDay: options.rowsPerDay, startDay: options.startDay, seed: options.seed };
  const found = await readManifest(dir);
  if (found && (Object.keys(wanted) as Array<keyof typeof wanted>).every((k) => found[k] === wanted[k])) {
    const present = new Set(await readdir(dir));
    if (found.files.every((f) => present.has(f))) {
      logger.info({ dir, slices: found.files.length }, 'demo: reusing the generated week');
      return found.files;
    }
  }
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(dir)) if (f.endsWith('.csv') || f === MANIFEST) await rm(join(dir, f), { force: true });
  logger.info({ dir, ...wanted }, 'demo: generating a realistic week (first run only)');
  const paths = await generate({ ...wanted, out: dir, hourly: true });
  const files = paths.map((p) => basename(p));
  await writeFile(join(dir, `.${MANIFEST}.tmp`), JSON.stringify({ ...wanted, files }, null, 2));
  await rename(join(dir, `.${MANIFEST}.tmp`), join(dir, MANIFEST));
  return files;
}

export interface ReplayDemoOptions {
  dir: string;
  files: string[];
  inbox: string;
  /** Slices whose hour ends at or before this (the newest window end in the store) are skipped. */
  after: number | null;
  dayMs: number;
  logger: Logger;
  signal?: AbortSignal;
}

/** Drops the slices after `after` into the inbox, 24 per `dayMs`; one log line per day. Returns the dropped names. */
export async function replayDemo(o: ReplayDemoOptions): Promise<string[]> {
  const files = new Set(o.files.filter((f) => o.after === null || sliceEnd(f) > o.after));
  if (files.size === 0) return [];
  let day = '';
  return replay({
    from: o.dir,
    inbox: o.inbox,
    intervalMs: Math.round(o.dayMs / 24),
    logger: o.logger,
    signal: o.signal,
    only: (f) => files.has(f),
    onDropped: (file, done, of) => {
      if (file.slice(0, 10) === day) return;
      day = file.slice(0, 10);
      o.logger.info({ day, slices: `${done}/${of}` }, 'demo: replaying a day into the inbox');
    },
  });
}

/** prepareDemo + replayDemo for `start --demo`; ends quietly when `signal` aborts. */
export async function runDemo(config: Config, store: Store, inbox: string, logger: Logger, signal: AbortSignal, options: DemoOptions = DEMO_DEFAULTS): Promise<void> {
  const dir = demoDir(config);
  try {
    const files = await prepareDemo(dir, options, logger);
    signal.throwIfAborted();
    const after = await latestWindowEnd(store);
    const dropped = await replayDemo({ dir, files, inbox, after, dayMs: options.dayMs, logger, signal });
    if (dropped.length === 0) {
      logger.info({ newestWindowEnd: after === null ? null : new Date(after).toISOString() }, 'demo: nothing to replay, the store already holds event time past the demo week; `salesinsights reset` replays it from the start');
    } else logger.info({ slices: dropped.length }, 'demo: the week is replayed; start keeps running');
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
}
