import { describe, expect, it } from 'vitest';
import { IngestLedger, type LedgerEntry } from './ledger.ts';

const entry = (hash: string, name: string, size: number): LedgerEntry => ({
  hash,
  name,
  fileId: hash,
  size,
  lastLine: 1,
  done: true,
  rows: 0,
  rejected: 0,
  updatedAt: 0,
});

describe('IngestLedger.named', () => {
  it('answers the entries last ingested under a name, following an entry that changes its name', () => {
    const ledger = new IngestLedger('a');
    ledger.set(entry('h1', 'a.csv', 10));
    ledger.set(entry('h2', 'a.csv', 20));
    ledger.set(entry('h3', 'b.csv', 30));
    expect(ledger.named('a.csv').map((e) => e.hash).sort()).toEqual(['h1', 'h2']);
    ledger.set(entry('h1', 'c.csv', 10)); // the same content ingested again under another name
    ledger.set({ ...entry('h2', 'a.csv', 20), lastLine: 5 });
    expect(ledger.named('a.csv')).toEqual([{ ...entry('h2', 'a.csv', 20), lastLine: 5 }]);
    expect(ledger.named('c.csv').map((e) => e.hash)).toEqual(['h1']);
    expect(ledger.named('b.csv').map((e) => e.hash)).toEqual(['h3']);
    expect(ledger.named('d.csv')).toEqual([]);
  });
});

describe('IngestLedger: entries per instance', () => {
  const value = (e: LedgerEntry, instance?: string) => JSON.stringify(instance === undefined ? e : { ...e, instance });

  it('writes its entries under its own key, with its instance', () => {
    const ledger = new IngestLedger('box-a-1');
    const m = ledger.message(entry('h1', 'a.csv', 10));
    expect(m.key).toBe('box-a-1:h1');
    expect(JSON.parse(m.value)).toEqual({ ...entry('h1', 'a.csv', 10), instance: 'box-a-1' });
  });

  it('resumes its own entries and the ones written before instances existed (keyed by the hash, no instance, maybe no file id)', () => {
    const ledger = new IngestLedger('box-a-1');
    const withoutId: Omit<LedgerEntry, 'fileId'> = { hash: 'h0', name: 'old.csv', size: 5, lastLine: 3, done: false, rows: 2, rejected: 0, updatedAt: 0 };
    ledger.restore(JSON.stringify(withoutId)); // as written before file ids and instances
    ledger.restore(value({ ...entry('h1', 'a.csv', 10), done: false, lastLine: 7 }, 'box-a-1'));
    expect(ledger.get('h0')).toEqual({ ...withoutId, fileId: '' });
    expect(ledger.named('old.csv').map((e) => e.lastLine)).toEqual([3]);
    expect(ledger.get('h1')).toMatchObject({ lastLine: 7, done: false });
    expect(ledger.get('h1')).not.toHaveProperty('instance');
  });

  it("an instance's own entry is not replaced by an older instance-less one of the same content", () => {
    const ledger = new IngestLedger('box-a-1');
    ledger.restore(value({ ...entry('h1', 'a.csv', 10), lastLine: 9 }, 'box-a-1'));
    ledger.restore(value({ ...entry('h1', 'a.csv', 10), lastLine: 2, done: false }));
    expect(ledger.get('h1')).toMatchObject({ lastLine: 9, done: true });
  });

  it("skips content another instance finished, and never continues another instance's unfinished file", () => {
    const ledger = new IngestLedger('box-a-1');
    ledger.restore(value(entry('h1', 'a.csv', 10), 'box-b-2'));
    ledger.restore(value({ ...entry('h2', 'b.csv', 20), done: false, lastLine: 4 }, 'box-b-2'));
    expect(ledger.get('h1')).toMatchObject({ done: true });
    expect(ledger.get('h2')).toBeUndefined();
    expect(ledger.named('a.csv')).toEqual([]);
    expect(ledger.named('b.csv')).toEqual([]);
  });
});
