// Isolation of the read side. Every read a person asks for (the query endpoint, `sql`, `export`,
// the dashboard's panels) passes a gate with a few slots and runs under the limits of
// config.queryLimits; the pipeline's inserts and checkpoints never pass it. In embedded mode a
// read holds one of libuv's worker threads for as long as the engine works on it (chDB runs
// each call there), so a slot is given back only when the engine has let go of the read, not
// when its client has: that is what keeps threads free for the pipeline, and for the KILL that
// cancels an abandoned read.
import type { QueryLimits } from '../core/config.ts';

/** A read refused by the limits, with the ClickHouse code and type a client expects (as the store's own errors carry them). */
export class QueryLimitError extends Error {
  override name = 'QueryLimitError';
  constructor(
    /** ClickHouse's error code, as text like the client's errors. */
    readonly code: string,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Slots for a gate of `asked` reads, given the libuv thread pool (UV_THREADPOOL_SIZE, which the
 * CLI's entry sets): its two gates hold at most two threads per slot, and eight stay for the pipeline.
 */
export function slotsFor(asked: number, poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4) || 4): number {
  return Math.max(1, Math.min(asked, Math.floor((poolSize - 8) / 4)));
}

/** How long a read waits for a slot before it is refused. */
export const QUEUE_WAIT_MS = 30_000;
/** Reads waiting for a slot beyond which a new one is refused at once. */
export const MAX_QUEUED = 64;

interface Waiter {
  grant: () => void;
  refuse: (err: Error) => void;
}

/** At most `slots` reads at once; the others wait in turn (FIFO), a while and in a bounded queue. */
export class ReadGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly slots: number,
    /** The setting that sizes it, named in the refusal. */
    private readonly setting: string,
  ) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Waits for a slot; resolves with its release (call it once). Rejects when the queue is full, after QUEUE_WAIT_MS, or on `signal`. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.running < this.slots) return this.take();
    if (this.queue.length >= MAX_QUEUED) throw this.tooMany();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => leave(this.tooMany()), QUEUE_WAIT_MS);
      const onAbort = () => leave(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        refuse: reject,
      };
      const leave = (err: Error) => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
    return this.release();
  }

  /** Runs `read` in a slot. */
  async run<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await read();
    } finally {
      release();
    }
  }

  private take(): () => void {
    this.running += 1;
    return this.release();
  }

  /** The slot's release; the next in the queue takes it over without it ever being free. */
  private release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.grant();
      else this.running -= 1;
    };
  }

  private tooMany(): QueryLimitError {
    return new QueryLimitError(
      '202',
      'TOO_MANY_SIMULTANEOUS_QUERIES',
      `too many simultaneous queries: ${this.running} running and ${this.queue.length} waiting (at most ${this.slots} at once, ${this.setting}); try again when one has finished`,
    );
  }
}

/** The engine's settings of a person's read, by name, and the setting of ours that bounds each. */
const LIMITED: Record<string, { limit: (l: QueryLimits) => number; setting: string }> = {
  max_execution_time: { limit: (l) => l.maxSeconds, setting: 'SALESINSIGHTS_QUERY_MAX_SECONDS' },
  max_memory_usage: { limit: (l) => l.maxMemoryBytes, setting: 'SALESINSIGHTS_QUERY_MAX_MEMORY_BYTES' },
  max_result_bytes: { limit: (l) => l.maxResultBytes, setting: 'SALESINSIGHTS_QUERY_MAX_RESULT_BYTES' },
  max_threads: { limit: (l) => l.maxThreads, setting: 'SALESINSIGHTS_QUERY_MAX_THREADS' },
};

/**
 * The query limits a read can hit, by ClickHouse's error code: the error's type, the setting of
 * ours behind it (named in the error's hint) and the label /metrics counts it under.
 */
export const QUERY_LIMIT_ERRORS: Record<number, { type: string; setting?: string; label: string }> = {
  159: { type: 'TIMEOUT_EXCEEDED', setting: 'SALESINSIGHTS_QUERY_MAX_SECONDS', label: 'time' },
  241: { type: 'MEMORY_LIMIT_EXCEEDED', setting: 'SALESINSIGHTS_QUERY_MAX_MEMORY_BYTES', label: 'memory' },
  396: { type: 'TOO_MANY_ROWS_OR_BYTES', setting: 'SALESINSIGHTS_QUERY_MAX_RESULT_BYTES', label: 'result_or_spool' },
  202: { type: 'TOO_MANY_SIMULTANEOUS_QUERIES', setting: 'SALESINSIGHTS_QUERY_CONCURRENCY', label: 'concurrency' },
  // A read asking for more than a limit (limitedSettings), and the spool's disk reserve (spooled-read.ts).
  452: { type: 'SETTING_CONSTRAINT_VIOLATION', label: 'setting' },
  243: { type: 'NOT_ENOUGH_SPACE', label: 'spool_disk' },
};

/** The setting behind the query limit a store error's text reports (`… (TIMEOUT_EXCEEDED)`), if any. */
export function limitSettingOf(text: string): string | undefined {
  const type = /\(([A-Z_]+)\)\s*$/.exec(text.trim())?.[1];
  return Object.values(QUERY_LIMIT_ERRORS).find((e) => e.type === type)?.setting;
}

/** A store error's text with the setting behind the limit it hit, when it hit one: `… (a query limit: SALESINSIGHTS_…). (TYPE)`. */
export function withLimitHint(text: string, code: number): string {
  const setting = QUERY_LIMIT_ERRORS[code]?.setting;
  if (setting === undefined || text.includes(setting)) return text;
  const type = /\s*\(([A-Z_]+)\)\s*$/.exec(text);
  const hint = ` (a query limit: ${setting})`;
  return type ? `${text.slice(0, type.index).replace(/\.$/, '')}${hint}.${type[0]}` : `${text}${hint}`;
}

/**
 * The settings a read runs with: the limits, lowered where the read asks for less. Asking for
 * more (or for none: 0) is refused as ClickHouse refuses a setting beyond its constraint.
 */
export function limitedSettings(limits: QueryLimits, asked: Record<string, string> = {}): Record<string, string> {
  const settings: Record<string, string> = { ...asked };
  for (const [name, { limit, setting }] of Object.entries(LIMITED)) {
    const max = limit(limits);
    const given = asked[name];
    if (given === undefined) {
      settings[name] = String(max);
      continue;
    }
    const value = Number(given.trim());
    if (!Number.isFinite(value) || value < 0) continue; // the engine answers a malformed value itself
    if (value === 0 || value > max) {
      throw new QueryLimitError('452', 'SETTING_CONSTRAINT_VIOLATION', `Setting ${name} shouldn't be ${value === 0 ? 'unlimited (0)' : `greater than ${max}`}: the limit is ${max} (${setting})`);
    }
  }
  return settings;
}

/** The dashboard's panels answer a person waiting on a page: a shorter time limit than other reads. */
export const PANEL_MAX_SECONDS = 60;

/** The settings of the dashboard's reads: the query limits, with its own time limit. */
export function panelSettings(limits: QueryLimits): { max_execution_time: number; max_memory_usage: string; max_result_bytes: string; max_threads: number } {
  return {
    max_execution_time: Math.min(limits.maxSeconds, PANEL_MAX_SECONDS),
    max_memory_usage: String(limits.maxMemoryBytes),
    max_result_bytes: String(limits.maxResultBytes),
    max_threads: limits.maxThreads,
  };
}
