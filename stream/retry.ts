// Retries of the job's writes (sinks, checkpoints): a store or broker that is briefly away is
// waited for; one that stays away past the budget (RETRY) fails the job.
import { backoffMs, sleep } from '../core/backoff.ts';
import { ComponentStatus } from '../core/component-status.ts';
import type { Logger } from '../core/logger.ts';
import { RETRY } from './defaults.ts';

/**
 * A job's writes being retried, as a status (shown by /api/health through the supervisor):
 * `retrying` with the latest failure while any write is retried, `running` once all went
 * through. A write that gives up fails the job, which the supervisor reports.
 */
export class WriteRetries {
  readonly status = new ComponentStatus();
  private readonly open = new Set<object>();

  retrying(write: object, reason: string): void {
    this.open.add(write);
    this.status.retrying(reason);
  }

  settled(write: object, succeeded: boolean): void {
    if (this.open.delete(write) && succeeded && this.open.size === 0) this.status.running();
  }
}

/** Retries with exponential backoff for about a minute, then gives up with the last error; `retries` hears each failure and the end. */
export async function withRetry<T>(logger: Logger, what: string, fn: () => Promise<T>, retries?: WriteRetries): Promise<T> {
  const write = {};
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await fn();
      retries?.settled(write, true);
      return value;
    } catch (err) {
      if (attempt >= RETRY.attempts) {
        retries?.settled(write, false);
        throw err;
      }
      const wait = backoffMs(attempt, RETRY);
      retries?.retrying(write, `${what} failed (attempt ${attempt}, retrying): ${(err as Error).message}`);
      logger.warn({ err: (err as Error).message, attempt, wait }, `${what} failed; retrying`);
      await sleep(wait);
    }
  }
}
