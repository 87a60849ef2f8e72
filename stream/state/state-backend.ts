// The keyed state of one input partition: the named states its operators declare, taken apart
// for a checkpoint (the keys changed since the last one, or everything for a compaction) and put
// back together on restore. Like Flink's keyed state backend, it owns the encoding; the
// operators only read and write values by key.
import type { StateEntry } from '../../core/checkpoint.ts';
import { ValueState, type StateDescriptor } from './keyed-state.ts';

export interface StateSize {
  keys: number;
  /** About how many bytes the entries take when written. */
  bytes: number;
}

export class KeyedStateBackend {
  private readonly states = new Map<string, ValueState<unknown, unknown>>();

  /** The state of that descriptor, made on first use; one name, one state. */
  valueState<K, V>(descriptor: StateDescriptor<K, V>): ValueState<K, V> {
    if (this.states.has(descriptor.name)) throw new Error(`keyed state "${descriptor.name}" is declared twice`);
    const state = new ValueState(descriptor);
    this.states.set(descriptor.name, state as ValueState<unknown, unknown>);
    return state;
  }

  /** The entries changed since the last checkpoint, of every state; forgets them. */
  takeChanges(): StateEntry[] {
    return [...this.states.values()].flatMap((s) => s.takeChanges());
  }

  /** Every entry of every state (a compaction); the changes so far are included, and forgotten. */
  takeAll(): StateEntry[] {
    return [...this.states.values()].flatMap((s) => s.takeAll());
  }

  /** Takes one restored entry; an entry of a state no operator declares any more is ignored. */
  restore(entry: StateEntry): void {
    this.states.get(entry.state)?.restore(entry.key, entry.value);
  }

  size(): StateSize {
    let keys = 0;
    let bytes = 0;
    for (const s of this.states.values()) {
      keys += s.size;
      bytes += s.estimatedBytes();
    }
    return { keys, bytes };
  }
}
