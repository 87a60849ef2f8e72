// Retries of the job's writes (sinks, checkpoints): a store or broker that is briefly away is
// waited for; one that stays away past the budget (RETRY) fails the job.
import type { Logger } from '../core/logger.ts';
import { RETRY } from './defaults.ts';

/** Retries with exponential backoff for about a minute, then gives up with the last error. */
export async function withRetry<T>(logger: Logger, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= RETRY.attempts) throw err;
      const wait = Math.min(RETRY.maxMs, RETRY.baseMs * 2 ** (attempt - 1));
      logger.warn({ err: (err as Error).message, attempt, wait }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
