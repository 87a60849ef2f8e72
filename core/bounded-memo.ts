// A memo for values that repeat a lot among few keys (category ids: every event has one, the
// dataset a few hundred), where working a value out again costs bigint arithmetic or a parse.
// Bounded so that hostile input with endless distinct keys cannot grow it: when full it is
// forgotten all at once, which costs nothing per entry and is right again after a few misses.

export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity = 4096) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Remembers `value` and answers it. */
  set(key: K, value: V): V {
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
