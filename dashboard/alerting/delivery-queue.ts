// Delivers notifications to each channel without ever making the caller wait: `enqueue` returns at
// once, and each channel works through its own queue in order (a firing before its resolve),
// retrying a failed send with backoff up to `maxAttempts`. The queue is bounded: when full, the
// oldest waiting notification is dropped and counted failed. The counts are what health and
// /metrics show.
import { backoffMs, sleep, type BackoffPolicy } from '../../core/backoff.ts';
import type { NotificationChannel } from './channel.ts';
import type { Notification } from './rule-evaluation.ts';

export interface DeliveryStatus {
  delivered: number;
  /** Given up after every attempt, or dropped from a full queue. */
  failed: number;
  /** Notifications waiting for a retry after a failed attempt (0 or 1: a channel sends in order). */
  retrying: number;
  /** Notifications waiting, the one being sent included. */
  queued: number;
  lastError?: string;
}

export interface DeliveryQueueOptions {
  channels: readonly NotificationChannel[];
  /** 1 s doubling to 60 s by default. */
  policy?: BackoffPolicy;
  /** Attempts per notification and channel, the first included. */
  maxAttempts?: number;
  /** Notifications waiting per channel. */
  maxQueued?: number;
}

export const DELIVERY_DEFAULTS = { policy: { initialMs: 1_000, maxMs: 60_000 }, maxAttempts: 8, maxQueued: 1_000 } as const;

class Lane {
  readonly waiting: Notification[] = [];
  readonly status: DeliveryStatus = { delivered: 0, failed: 0, retrying: 0, queued: 0 };
  running: Promise<void> | undefined;
  constructor(readonly channel: NotificationChannel) {}
}

export class DeliveryQueue {
  private readonly lanes: Lane[];
  private readonly policy: BackoffPolicy;
  private readonly maxAttempts: number;
  private readonly maxQueued: number;
  private readonly closing = new AbortController();

  constructor(options: DeliveryQueueOptions) {
    this.lanes = options.channels.map((c) => new Lane(c));
    this.policy = options.policy ?? DELIVERY_DEFAULTS.policy;
    this.maxAttempts = options.maxAttempts ?? DELIVERY_DEFAULTS.maxAttempts;
    this.maxQueued = options.maxQueued ?? DELIVERY_DEFAULTS.maxQueued;
  }

  /** Queues `notification` for every channel and returns at once. */
  enqueue(notification: Notification): void {
    if (this.closing.signal.aborted) return;
    for (const lane of this.lanes) {
      lane.waiting.push(notification);
      // The head is being sent; the next one is the oldest that only waits.
      if (lane.waiting.length > this.maxQueued) this.fail(lane, lane.waiting.splice(lane.running ? 1 : 0, 1).length, 'queue full: the oldest waiting notification was dropped');
      lane.status.queued = lane.waiting.length;
      lane.running ??= this.drain(lane);
    }
  }

  /** Each channel's counts, by channel name. */
  status(): Record<string, DeliveryStatus> {
    return Object.fromEntries(this.lanes.map((l) => [l.channel.name, { ...l.status }]));
  }

  /** Resolves when every queue is empty. */
  async idle(): Promise<void> {
    while (this.lanes.some((l) => l.running)) await Promise.all(this.lanes.map((l) => l.running));
  }

  /** Stops retrying (a backoff wait ends at once), finishes the sends under way, closes the channels. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.idle();
    await Promise.all(this.lanes.map((l) => l.channel.close?.()));
  }

  private fail(lane: Lane, count: number, error: string): void {
    lane.status.failed += count;
    lane.status.lastError = error;
  }

  private async drain(lane: Lane): Promise<void> {
    for (let next = lane.waiting[0]; next !== undefined; next = lane.waiting[0]) {
      await this.deliver(lane, next);
      lane.waiting.shift();
      lane.status.queued = lane.waiting.length;
    }
    lane.running = undefined;
  }

  private async deliver(lane: Lane, notification: Notification): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await lane.channel.send(notification);
        lane.status.delivered++;
        return;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        if (attempt >= this.maxAttempts || this.closing.signal.aborted) {
          this.fail(lane, 1, `${lane.channel.name}: gave up after ${attempt} attempts: ${error}`);
          return;
        }
        lane.status.lastError = `${lane.channel.name}: attempt ${attempt} failed: ${error}`;
        lane.status.retrying = 1;
        await sleep(backoffMs(attempt, this.policy), this.closing.signal);
        lane.status.retrying = 0;
      }
    }
  }
}
