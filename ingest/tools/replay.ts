// Drips daily slices into the inbox, one file per interval, like the original minute-by-minute
// replay. Each file is written under a dot-name and renamed, so the watcher only sees whole files.
import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.ts';

export interface ReplayOptions {
  from: string;
  inbox: string;
  intervalMs: number;
  logger: Logger;
  signal?: AbortSignal;
  /** Only the slices this keeps (by file name); the first one kept is dropped at once. */
  only?: (file: string) => boolean;
  /** Called after each drop instead of the default log line. */
  onDropped?: (file: string, done: number, of: number) => void;
}

/** "60s", "500ms", "2m" or plain milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration; expected for example 60s, 500ms or 2m`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}

export async function replay(options: ReplayOptions): Promise<string[]> {
  const files = (await readdir(options.from)).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) throw new Error(`no .csv files in ${options.from}`);
  await mkdir(options.inbox, { recursive: true });
  const kept = options.only ? files.filter(options.only) : files;
  const copied: string[] = [];
  for (const [i, file] of kept.entries()) {
    if (i > 0) await sleep(options.intervalMs, undefined, { signal: options.signal });
    options.signal?.throwIfAborted();
    const partial = join(options.inbox, `.${file}.partial`);
    await copyFile(join(options.from, file), partial);
    await rename(partial, join(options.inbox, file));
    copied.push(file);
    if (options.onDropped) options.onDropped(file, i + 1, kept.length);
    else options.logger.info({ file, done: i + 1, of: kept.length }, 'replay: file dropped into the inbox');
  }
  return copied;
}
