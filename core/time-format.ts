// Times as text and the store's time range, in one place; each name says the unit it takes.

/** What a ClickHouse DateTime holds, in epoch milliseconds: seconds 0 .. 2^32 - 1 (1970-01-01 .. 2106-02-07T06:28:15Z). */
export const STORE_TIME_RANGE = { minMs: 0, maxMs: (2 ** 32 - 1) * 1000 } as const;

/** ISO 8601 in UTC to the second (`2019-10-01T10:00:00Z`) of epoch milliseconds, the milliseconds cut off. */
export function isoSecondsOfMs(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** ISO 8601 in UTC to the second of epoch seconds (what the store's DateTime columns answer). */
export function isoSecondsOfSeconds(seconds: number): string {
  return isoSecondsOfMs(seconds * 1000);
}

/** ISO 8601 in UTC to the millisecond (`2019-10-01T10:00:00.000Z`) of epoch milliseconds. */
export function isoMillisOfMs(ms: number): string {
  return new Date(ms).toISOString();
}
