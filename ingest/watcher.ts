// Reports complete files in the inbox, in lexical order of name, one at a time. Knows nothing
// about CSV. A file is complete once no process holds it open and it has been quiet (no size or
// mtime change) for the quiet period; names in progress (dot-files, *.part, ...) wait for their
// rename. Links, fifos, directories and other names are warned about once and left alone.
import chokidar, { type FSWatcher } from 'chokidar';
import { lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { heldOpen, nameRule, notRegular, observe, warnNotTaken, type Observation } from './inbox-files.ts';

export type FileHandler = (path: string) => Promise<void>;

export class InboxWatcher {
  private watcher?: FSWatcher;
  /** Files waiting to be complete, with what was last seen of them. */
  private readonly candidates = new Map<string, Observation | undefined>();
  private readonly warned = new Set<string>();
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

  async start(): Promise<void> {
    this.watcher = chokidar.watch(this.inbox, {
      depth: 0,
      ignoreInitial: false,
      followSymlinks: false,
      // .done/, .failed/ and names still being written stay out.
      ignored: (path) => path !== this.inbox && nameRule(basename(path)) === 'ignore',
    });
    const consider = (path: string) => this.consider(path);
    const forget = (path: string) => {
      this.candidates.delete(path);
      this.warned.delete(path);
    };
    this.watcher.on('add', consider).on('change', consider).on('addDir', consider);
    this.watcher.on('unlink', forget).on('unlinkDir', forget);
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  /** Resolves once every file seen so far has been handled (or found not to be taken). */
  whenIdle(): Promise<void> {
    if (!this.running && this.candidates.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private consider(path: string): void {
    if (path === this.inbox) return;
    if (nameRule(basename(path)) === 'other') return this.warnOnce(path, undefined);
    if (!this.candidates.has(path)) this.candidates.set(path, undefined);
    this.pump();
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
      if (!this.closed && this.candidates.size > 0) this.pump();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private async loop(): Promise<void> {
    while (!this.closed && this.candidates.size > 0) {
      const next = await this.firstComplete();
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      this.candidates.delete(next);
      try {
        await this.handle(next);
      } catch (err) {
        // No single file may stop the watcher.
        this.logger.error({ err, file: basename(next) }, 'file not ingested; the watcher goes on');
      }
    }
  }

  /** The first candidate in lexical order that is complete now; drops the ones not to take. */
  private async firstComplete(): Promise<string | undefined> {
    const quiet: string[] = [];
    const now = Date.now();
    for (const path of [...this.candidates.keys()].sort()) {
      const stats = await lstat(path).catch(() => undefined);
      const why = stats ? notRegular(stats) : undefined;
      if (!stats || why !== undefined) {
        // Gone (renamed or removed before it was read) or not a regular file: not taken.
        this.candidates.delete(path);
        if (why !== undefined) this.warnOnce(path, why);
        continue;
      }
      const seen = observe(this.candidates.get(path), stats, now, this.quietMs);
      this.candidates.set(path, seen.observation);
      if (seen.quiet) quiet.push(path);
    }
    const open = await heldOpen(quiet);
    return quiet.find((path) => !open.has(path));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.watcher?.close();
    await this.running;
  }
}
