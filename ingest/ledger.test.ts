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
    const ledger = new IngestLedger();
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
