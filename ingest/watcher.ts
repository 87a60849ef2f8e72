// Reports complete files in the inbox, in lexical order of name, one at a time. Knows nothing
// about CSV. A file is complete once no process holds it open and it has been quiet (no size or
// mtime change) for the quiet period; names in progress (dot-files, *.part, ...) wait for their
// rename. Links, fifos, directories and other names are warned about once and left alone.
// A backlog costs the same per file however long it is: a pass (one listing of the inbox, one
// scan of /proc) finds every file complete at that moment, and they are taken one after the
// other; the system's change notices (fs.watch) only say when to list the inbox again.
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { heldOpen, nameRule, notRegular, observe, warnNotTaken, type Observation } from './inbox-files.ts';

/** The shortest time between two passes while files are taken: each pass scans /proc once. */
const MIN_PASS_MS = 500;
/** The inbox is listed this often even without a notice: one the system dropped delays a file by at most this. */
const RELIST_MS = 5000;

export type FileHandler = (path: string) => Promise<void>;

export class InboxWatcher {
  private watcher?: FSWatcher;
  private relist?: NodeJS.Timeout;
  /** Files waiting to be complete, with what was last seen of them. */
  private readonly candidates = new Map<string, Observation | undefined>();
  /** Candidates found quiet (unchanged for the quiet period), not looked at again every pass. */
  private readonly quiet = new Set<string>();
  private readonly warned = new Set<string>();
  /** Something may have changed in the inbox since it was last listed. */
  private changed = true;
  private listFailure?: string;
  private running?: Promise<void>;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private wake?: () => void;
  private readonly pollMs: number;

  private readonly logger: Logger;
  private readonly quietMs: number;

  constructor(
    private readonly inbox: string,
    options: { logger: Logger; quietMs: number },
    private readonly handle: FileHandler,
  ) {
    this.logger = options.logger;
    this.quietMs = options.quietMs;
    this.pollMs = Math.min(500, Math.max(20, Math.round(options.quietMs / 4)));
  }

  /** Watches the inbox (which must exist); the files already there are the first pass's. */
  start(): Promise<void> {
    const notice = () => {
      this.changed = true;
      this.pump();
    };
    this.watcher = watch(this.inbox, notice);
    this.watcher.on('error', (err) => this.logger.warn({ err, inbox: this.inbox }, `inbox change notices stopped; the inbox is listed every ${RELIST_MS} ms`));
    this.relist = setInterval(notice, RELIST_MS).unref();
    this.pump();
    return Promise.resolve();
  }

  /** Resolves once every file seen so far has been handled (or found not to be taken). */
  whenIdle(): Promise<void> {
    if (!this.running && this.candidates.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private warnOnce(path: string, why: string | undefined): void {
    if (this.warned.has(path)) return;
    this.warned.add(path);
    warnNotTaken(this.logger, basename(path), why);
  }

  private pump(): void {
    if (this.running || this.closed) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (!this.closed && (this.changed || this.candidates.size > 0)) this.pump();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /**
   * Takes the files of a pass one after the other without looking at the whole inbox again: the
   * per-file work stays the same however long the backlog. A pass's finding holds for the quiet
   * period (at least MIN_PASS_MS, what bounds the scans of /proc); then, or once its files are
   * taken, the next pass merges the files that became complete meanwhile in lexical order. Ends
   * when the inbox holds no candidate.
   */
  private async loop(): Promise<void> {
    let queue: string[] = [];
    let next = 0;
    let passedAt = 0;
    while (!this.closed) {
      if (next >= queue.length || Date.now() - passedAt > Math.max(this.quietMs, MIN_PASS_MS)) {
        passedAt = Date.now();
        if (this.changed) await this.list();
        queue = await this.completeNow();
        next = 0;
        if (queue.length === 0) {
          if (this.candidates.size === 0) return;
          await this.pause();
          continue;
        }
      }
      const path = queue[next++]!;
      if (!(await this.unchanged(path))) continue;
      this.forget(path);
      try {
        await this.handle(path);
      } catch (err) {
        // No single file may stop the watcher.
        this.logger.error({ err, file: basename(path) }, 'file not ingested; the watcher goes on');
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.pollMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Lists the inbox: data files that are regular files become candidates, those gone are
   * forgotten, every other entry gets its one warning (again only if it goes and comes back).
   */
  private async list(): Promise<void> {
    this.changed = false;
    let entries;
    try {
      entries = await readdir(this.inbox, { withFileTypes: true });
      this.listFailure = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (this.listFailure !== message) this.logger.warn({ err, inbox: this.inbox }, 'inbox not listed; trying again');
      this.listFailure = message;
      return;
    }
    const present = new Set<string>();
    for (const entry of entries) {
      const rule = nameRule(entry.name);
      if (rule === 'ignore') continue;
      const path = join(this.inbox, entry.name);
      present.add(path);
      const why = rule === 'other' ? undefined : notRegular(entry);
      if (rule === 'take' && why === undefined) {
        if (!this.candidates.has(path)) this.candidates.set(path, undefined);
      } else {
        this.forget(path);
        this.warnOnce(path, why);
      }
    }
    for (const path of this.candidates.keys()) if (!present.has(path)) this.forget(path);
    for (const path of this.warned) if (!present.has(path)) this.warned.delete(path);
  }

  private forget(path: string): void {
    this.candidates.delete(path);
    this.quiet.delete(path);
  }

  /**
   * The candidates complete now, in lexical order; drops the ones not to take. Only files not yet
   * found quiet are looked at (a quiet one is looked at again just before it is taken), and one
   * scan of /proc covers all of them.
   */
  private async completeNow(): Promise<string[]> {
    const now = Date.now();
    for (const [path, previous] of this.candidates) {
      if (this.quiet.has(path)) continue;
      const stats = await lstat(path).catch(() => undefined);
      const why = stats ? notRegular(stats) : undefined;
      if (!stats || why !== undefined) {
        // Gone (renamed or removed before it was read) or not a regular file: not taken.
        this.forget(path);
        if (why !== undefined) this.warnOnce(path, why);
        continue;
      }
      const seen = observe(previous, stats, now, this.quietMs);
      this.candidates.set(path, seen.observation);
      if (seen.quiet) this.quiet.add(path);
    }
    const quiet = [...this.quiet].sort();
    const open = await heldOpen(quiet);
    return quiet.filter((path) => !open.has(path));
  }

  /**
   * Whether a file of the last pass is still a candidate as it was then seen (same size and
   * mtime); one that changed waits for its quiet period again, one that went is dropped.
   */
  private async unchanged(path: string): Promise<boolean> {
    const seen = this.candidates.get(path);
    if (seen === undefined || !this.quiet.has(path)) return false;
    const stats = await lstat(path).catch(() => undefined);
    if (stats && notRegular(stats) === undefined && stats.size === seen.size && stats.mtimeMs === seen.mtimeMs) return true;
    // The next pass looks at it again: it warns about what it became, or finds it gone.
    this.quiet.delete(path);
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    clearInterval(this.relist);
    this.watcher?.close();
    await this.running;
  }
}
