// Exponential backoff for components that recover by themselves: they retry for as long as
// they run, so the policy has no attempt limit, only a ceiling on the wait.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** 0.5 s doubling to 30 s: quick after a blip, gentle on a broker that stays away. */
export const RECOVERY_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** The wait before attempt `attempt + 1`, after `attempt` (>= 1) failures in a row. */
export function backoffMs(attempt: number, policy: BackoffPolicy = RECOVERY_BACKOFF): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  // Capped before the power so that a long outage never overflows to Infinity.
  const doublings = Math.min(attempt - 1, 40);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** doublings);
}

/** Waits `ms`, or less when `signal` aborts (a component closing does not sit out a backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
