import { describe, expect, it } from 'vitest';
import { eventFactory } from '../test/fixtures.ts';
import { ArchiveRows, archiveRowSource } from './writers.ts';

const ev = eventFactory({ event_time: Date.UTC(2020, 0, 1), event_type: 'view', product_id: 1n, category_id: 2n, category_code: null, brand: null, price_cents: 1_050, user_id: 7n, user_session: 's1' });

describe('ArchiveRows', () => {
  it('holds one TabSeparated line per event, in order', () => {
    const archive = new ArchiveRows();
    for (let line = 1; line <= 2_500; line++) archive.add(ev({ source_line: line }));
    expect(archive.length).toBe(2_500);
    const text = archive.text().toString();
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2_501);
    expect(archive.rows().map((row) => archiveRowSource(row).sourceLine)).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    expect(archive.rows()[0]).toBe(`1577836800\tview\t1\t2\t\t\t10.50\t7\ts1\t${ev().source_file}\t1\t${(ev().ingested_at / 1000).toFixed(3)}`);
  });

  it('escapes text so a row source reads back exactly', () => {
    const archive = new ArchiveRows();
    archive.add(ev({ source_file: 'odd\tname\\with\nbreaks.csv', brand: 'a\tb', source_line: 42 }));
    const [row] = archive.rows();
    expect(row!.split('\t')).toHaveLength(12);
    expect(archiveRowSource(row!)).toEqual({ sourceFile: 'odd\tname\\with\nbreaks.csv', sourceLine: 42 });
  });
});
