// Keyed state, in the vocabulary of Flink's ValueState and Kafka Streams' key-value stores: an
// operator declares a named state with a descriptor (its name and how its keys and values are
// written), then reads and writes it by key. The state remembers which keys changed since the
// last checkpoint, so a checkpoint writes only those (and the keys deleted) instead of all of it;
// writing and reading the entries is the backend's job (state-backend.ts), never the operator's.
import type { StateEntry } from '../../core/checkpoint.ts';

/** How a key or a value is written in a checkpoint. */
export interface StateCodec<T> {
  encode(value: T): string;
  decode(text: string): T;
}

/** A named keyed state: its name in checkpoints, and its codecs. */
export interface StateDescriptor<K, V> {
  name: string;
  key: StateCodec<K>;
  value: StateCodec<V>;
}

/**
 * A keyed value state: one value per key, held decoded in memory. A value changed in place must
 * be put again (put marks the key changed for the next checkpoint); iteration is in insertion
 * order, which restore keeps.
 */
export class ValueState<K, V> {
  private readonly values = new Map<K, V>();
  private readonly changed = new Set<K>();
  /** Bytes an entry took, on average, in the last checkpoint that wrote any or in the restore (for the size estimate). */
  private entryBytes = 0;
  private restoredBytes = 0;
  private restoredEntries = 0;

  constructor(readonly descriptor: StateDescriptor<K, V>) {}

  get size(): number {
    return this.values.size;
  }

  get(key: K): V | undefined {
    return this.values.get(key);
  }

  has(key: K): boolean {
    return this.values.has(key);
  }

  put(key: K, value: V): void {
    this.values.set(key, value);
    this.changed.add(key);
  }

  delete(key: K): void {
    if (this.values.delete(key)) this.changed.add(key);
  }

  keys(): IterableIterator<K> {
    return this.values.keys();
  }

  entries(): IterableIterator<[K, V]> {
    return this.values.entries();
  }

  /** The entries of the keys changed since the last call (deleted ones with a null value); forgets them. */
  takeChanges(): StateEntry[] {
    const out: StateEntry[] = [];
    for (const key of this.changed) out.push(this.entry(key, this.values.has(key) ? this.descriptor.value.encode(this.values.get(key)!) : null));
    this.changed.clear();
    this.measure(out);
    return out;
  }

  /** Every entry as it is now (a compaction's full copy); the changes so far are included, and forgotten. */
  takeAll(): StateEntry[] {
    const out: StateEntry[] = [];
    for (const [key, value] of this.values) out.push(this.entry(key, this.descriptor.value.encode(value)));
    for (const key of this.changed) if (!this.values.has(key)) out.push(this.entry(key, null));
    this.changed.clear();
    this.measure(out);
    return out;
  }

  /** Takes a restored entry (a null value deletes the key); restored keys are not changes. */
  restore(key: string, value: string | null): void {
    const k = this.descriptor.key.decode(key);
    if (value === null) {
      this.values.delete(k);
      return;
    }
    this.values.set(k, this.descriptor.value.decode(value));
    this.restoredBytes += key.length + value.length;
    this.restoredEntries += 1;
    this.entryBytes = this.restoredBytes / this.restoredEntries;
  }

  /**
   * Puts the entries in the order `compare` gives, without marking them changed: restored entries
   * come in key order, and an operator that relies on insertion order (oldest first) restores it.
   */
  sort(compare: (a: [K, V], b: [K, V]) => number): void {
    const sorted = [...this.values].sort(compare);
    this.values.clear();
    for (const [key, value] of sorted) this.values.set(key, value);
  }

  /** About how many bytes the state's entries take when written. */
  estimatedBytes(): number {
    return Math.round(this.values.size * this.entryBytes);
  }

  private entry(key: K, value: string | null): StateEntry {
    return { state: this.descriptor.name, key: this.descriptor.key.encode(key), value };
  }

  private measure(entries: StateEntry[]): void {
    let bytes = 0;
    let written = 0;
    for (const e of entries) {
      if (e.value === null) continue;
      bytes += e.key.length + e.value.length;
      written += 1;
    }
    if (written > 0) this.entryBytes = bytes / written;
  }
}

/** Keys that are bigint ids (user_id, product_id), written in decimal. */
export const BIGINT_KEY: StateCodec<bigint> = { encode: (k) => k.toString(), decode: (s) => BigInt(s) };
/** Keys that are numbers (window starts), written in decimal. */
export const NUMBER_KEY: StateCodec<number> = { encode: (k) => String(k), decode: (s) => Number(s) };
export const STRING_KEY: StateCodec<string> = { encode: (k) => k, decode: (s) => s };

/** Values written as JSON; bigints as decimal strings (their codec turns them back). */
export function jsonValue<T>(toJson: (value: T) => unknown, fromJson: (json: unknown) => T): StateCodec<T> {
  return { encode: (v) => JSON.stringify(toJson(v)), decode: (s) => fromJson(JSON.parse(s)) };
}
