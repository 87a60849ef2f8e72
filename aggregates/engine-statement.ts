// One statement of a read on the engine, and its cancellation: a KILL from a session of its own,
// sent again until the statement has ended.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineSession } from './engine-session.ts';

/** The comment that names a read's statement in system.processes, for its cancellation. */
const MARKER = 'salesinsights-read';
/** A KILL that found nothing (sent before the statement was registered) is sent again after this. */
const KILL_RETRY_MS = 500;

/**
 * One statement of a read on the engine, marked with a comment that names it in
 * system.processes. `cancel()` (or `signal`) kills it from a session of its own, again every
 * KILL_RETRY_MS until `end()`: an abort reaches a streaming query only between chunks, a
 * single-shot one (INTO OUTFILE) not at all, and a KILL sent before the statement is
 * registered finds nothing.
 */
export class EngineStatement {
  private readonly marker = randomUUID();
  private ended = false;
  private cancelling = false;
  private readonly onAbort = () => this.cancel();

  constructor(
    private readonly newSession: () => EngineSession,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  text(sql: string): string {
    return `/* ${MARKER} ${this.marker} */ ${sql}`;
  }

  cancel(): void {
    if (this.cancelling || this.ended) return;
    this.cancelling = true;
    void (async () => {
      while (!this.ended) {
        await this.kill();
        await sleep(KILL_RETRY_MS);
      }
    })();
  }

  /** The statement has ended in the engine. */
  end(): void {
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private async kill(): Promise<void> {
    const session = this.newSession();
    try {
      // The marker is split here, so this statement's own text does not match it.
      await session.queryAsync(`KILL QUERY WHERE position(query, concat('${MARKER} ', '${this.marker}')) > 0 ASYNC`);
    } catch {
      // Already finished.
    } finally {
      session.close();
    }
  }
}

/** Settles when `promise` does, fulfilled either way. */
export const settled = (promise: Promise<unknown>) => promise.then(() => undefined, () => undefined);
