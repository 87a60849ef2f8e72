// When the job's processing-time work runs: the tick (early firing, sinks, checkpoint) whenever
// tickDue says so, and the periodic tasks beside it (the end-offsets check). One poll drives
// both, every min(100 ms, early-firing interval), on the job's clock.
import type { Clock } from './time.ts';
import { tickDue } from './trigger.ts';

export class TickSchedule {
  private lastTickAt = 0;
  /** When the latest batch with events was processed, and whether any came since the last tick. */
  private lastInputAt = 0;
  private inputSinceTick = false;
  private timer?: NodeJS.Timeout;
  private readonly pollMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly earlyFiringIntervalMs: number,
  ) {
    this.pollMs = Math.min(100, earlyFiringIntervalMs);
  }

  /** A batch with events was processed. */
  inputArrived(): void {
    this.lastInputAt = this.clock.now();
    this.inputSinceTick = true;
  }

  /** A tick starts: the changes so far are its to send. */
  ticked(): void {
    this.lastTickAt = this.clock.now();
    this.inputSinceTick = false;
  }

  /** The early-firing interval bounds how long a change waits; a pause in the input sends the pending changes sooner. */
  tickDue(): boolean {
    const { lastTickAt, lastInputAt, inputSinceTick, earlyFiringIntervalMs, pollMs } = this;
    return tickDue({ now: this.clock.now(), lastTickAt, lastInputAt, inputSinceTick, earlyFiringIntervalMs, pollMs });
  }

  start(poll: () => void): void {
    this.timer = setInterval(poll, this.pollMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** An async task run at most once per interval (measured from its last end), never twice at once. */
export class PeriodicTask {
  private lastEndedAt = 0;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  /** Starts the task when it is due; its errors are the task's to handle. */
  poll(): void {
    if (this.running || this.clock.now() - this.lastEndedAt < this.intervalMs) return;
    this.running = true;
    void this.task().finally(() => {
      this.lastEndedAt = this.clock.now();
      this.running = false;
    });
  }
}
