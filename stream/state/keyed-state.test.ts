import { describe, expect, it } from 'vitest';
import { BIGINT_KEY, jsonValue, NUMBER_KEY, ValueState, type StateDescriptor } from './keyed-state.ts';
import { KeyedStateBackend } from './state-backend.ts';

const COUNTS: StateDescriptor<bigint, { n: number }> = { name: 'counts', key: BIGINT_KEY, value: jsonValue((v: { n: number }) => v.n, (json) => ({ n: json as number })) };

describe('ValueState', () => {
  it('a checkpoint takes the keys put or deleted since the last one, once', () => {
    const s = new ValueState(COUNTS);
    s.put(1n, { n: 1 });
    s.put(2n, { n: 2 });
    s.put(1n, { n: 3 });
    expect(s.takeChanges()).toEqual([
      { state: 'counts', key: '1', value: '3' },
      { state: 'counts', key: '2', value: '2' },
    ]);
    expect(s.takeChanges()).toEqual([]);
    s.delete(2n);
    s.delete(9n); // never there: no change
    s.put(3n, { n: 4 });
    s.delete(3n); // put and deleted since the last checkpoint: a deletion all the same
    expect(s.takeChanges()).toEqual([
      { state: 'counts', key: '2', value: null },
      { state: 'counts', key: '3', value: null },
    ]);
  });

  it('a compaction takes every entry and the deletions since the last checkpoint', () => {
    const s = new ValueState(COUNTS);
    s.put(1n, { n: 1 });
    s.put(2n, { n: 2 });
    s.takeChanges();
    s.delete(1n);
    expect(s.takeAll()).toEqual([
      { state: 'counts', key: '2', value: '2' },
      { state: 'counts', key: '1', value: null },
    ]);
    expect(s.takeChanges()).toEqual([]);
  });

  it('restores entries without marking them changed, keeps 64-bit keys exact, and sorts without changes', () => {
    const s = new ValueState(COUNTS);
    s.restore('18446744073709551615', '5');
    s.restore('3', '1');
    s.restore('3', null);
    expect([...s.entries()]).toEqual([[18446744073709551615n, { n: 5 }]]);
    expect(s.takeChanges()).toEqual([]);
    const byNumber = new ValueState({ name: 'n', key: NUMBER_KEY, value: jsonValue((v: number) => v, (j) => j as number) });
    for (const [k, v] of [['1', '30'], ['2', '10'], ['3', '20']] as const) byNumber.restore(k, v);
    byNumber.sort((a, b) => a[1] - b[1]);
    expect([...byNumber.keys()]).toEqual([2, 3, 1]);
    expect(byNumber.takeChanges()).toEqual([]);
  });

  it('estimates its written size from the entries it wrote or restored', () => {
    const s = new ValueState(COUNTS);
    expect(s.estimatedBytes()).toBe(0);
    s.restore('10', '1234');
    s.restore('20', '12');
    expect(s.estimatedBytes()).toBe(10); // (6 + 4) / 2 bytes per entry, 2 entries
    s.put(30n, { n: 123456 });
    s.takeChanges();
    expect(s.estimatedBytes()).toBe(3 * 8);
  });
});

describe('KeyedStateBackend', () => {
  it('takes the changes of all its states, restores each entry into its state, and refuses a name twice', () => {
    const backend = new KeyedStateBackend();
    const counts = backend.valueState(COUNTS);
    const other = backend.valueState({ name: 'other', key: NUMBER_KEY, value: jsonValue((v: string) => v, (j) => j as string) });
    counts.put(1n, { n: 1 });
    other.put(7, 'x');
    expect(backend.takeChanges().map((e) => e.state)).toEqual(['counts', 'other']);
    expect(() => backend.valueState(COUNTS)).toThrow(/declared twice/);

    const restored = new KeyedStateBackend();
    const restoredCounts = restored.valueState(COUNTS);
    restored.restore({ state: 'counts', key: '4', value: '9' });
    restored.restore({ state: 'gone', key: '1', value: '1' }); // a state no operator declares: ignored
    expect(restoredCounts.get(4n)).toEqual({ n: 9 });
    expect(restored.size()).toEqual({ keys: 1, bytes: 2 });
  });
});
