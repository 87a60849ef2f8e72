// Reports complete files in the inbox, in lexical order of name, one at a time. Knows nothing
// about CSV: a file is "complete" once chokidar has seen its size stable.
import chokidar, { type FSWatcher } from 'chokidar';
import { basename } from 'node:path';
import { CONNECTOR_DEFAULTS } from './defaults.ts';

export type FileHandler = (path: string) => Promise<void>;

export class InboxWatcher {
  private watcher?: FSWatcher;
  private readonly pending = new Set<string>();
  private draining?: Promise<void>;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly inbox: string,
    private readonly handle: FileHandler,
    private readonly stableMs: number = CONNECTOR_DEFAULTS.writeStableMs,
  ) {}

  async start(): Promise<void> {
    this.watcher = chokidar.watch(this.inbox, {
      depth: 0,
      ignoreInitial: false,
      // .done/, .failed/ and partial uploads named .something stay out.
      ignored: (path, stats) => basename(path).startsWith('.') || (stats?.isFile() === true && !path.endsWith('.csv')),
      awaitWriteFinish: { stabilityThreshold: this.stableMs, pollInterval: 50 },
    });
    this.watcher.on('add', (path) => {
      this.pending.add(path);
      this.drain();
    });
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  /** Resolves once every file seen so far has been handled. */
  whenIdle(): Promise<void> {
    if (!this.draining && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = (async () => {
      while (this.pending.size > 0) {
        const next = [...this.pending].sort()[0]!;
        this.pending.delete(next);
        await this.handle(next);
      }
    })().finally(() => {
      this.draining = undefined;
      if (this.pending.size > 0) this.drain();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    await this.draining;
  }
}
