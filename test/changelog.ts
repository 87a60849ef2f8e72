// A checkpoint store's changelog in miniature, for the engine's unit tests: the entries of the
// checkpoints taken so far, read back as a restore reads them (the latest entry per key,
// deleted keys left out, in key order rather than the order they were written).
import type { StateEntry } from '../core/checkpoint.ts';

export class Changelog {
  private readonly latest = new Map<string, StateEntry>();

  append(entries: StateEntry[]): this {
    for (const e of entries) this.latest.set(`${e.state}\u0000${e.key}`, e);
    return this;
  }

  /** A compaction's entries: a new segment, the entries before it never read again. */
  compact(entries: StateEntry[]): this {
    this.latest.clear();
    return this.append(entries);
  }

  /** The state as a restore reads it. */
  entries(): StateEntry[] {
    return [...this.latest.values()].filter((e) => e.value !== null).sort((a, b) => (a.state + a.key < b.state + b.key ? -1 : 1));
  }
}
