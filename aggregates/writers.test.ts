import { describe, expect, it } from 'vitest';
import { eventFactory } from '../test/fixtures.ts';
import { readNativeBlock } from '../test/native-block-reader.ts';
import { EventRows } from './writers.ts';

const ev = eventFactory({ event_time: Date.UTC(2020, 0, 1), event_type: 'view', product_id: 1n, category_id: 2n, category_code: null, brand: null, price_cents: 1_050, user_id: 7n, user_session: 's1' });

describe('EventRows', () => {
  it('holds one row per event, in order, with every column of the events table', () => {
    const events = new EventRows();
    for (let line = 1; line <= 2_500; line++) events.add(ev({ source_line: line }));
    expect(events.length).toBe(2_500);
    const block = readNativeBlock(events.block());
    expect(block.source_line).toEqual(Array.from({ length: 2_500 }, (_, i) => BigInt(i + 1)));
    const first = Object.fromEntries(Object.entries(block).map(([name, values]) => [name, values[0]]));
    expect(first).toEqual({
      event_time: Date.UTC(2020, 0, 1),
      event_type: 'view',
      product_id: 1n,
      category_id: 2n,
      category_code: '',
      brand: '',
      price: 1_050,
      user_id: 7n,
      user_session: 's1',
      source_file: ev().source_file,
      source_file_id: ev().source_file_id,
      source_line: 1n,
      ingested_at: ev().ingested_at,
    });
  });

  it('keeps an event a column cannot hold aside, rejected with the reason, and the other rows whole', () => {
    const events = new EventRows();
    const past = ev({ source_line: 2, event_time: 99_999_999_999_000 });
    events.add(ev({ source_line: 1, brand: 'tab\there' }));
    events.add(past);
    events.add(ev({ source_line: 3, brand: 'ünïcode' }));
    expect(events.length).toBe(2);
    expect(events.rejected).toEqual([{ event: past, reason: expect.stringMatching(/^the store refused the row: event_time: .* DateTime/) }]);
    const block = readNativeBlock(events.block());
    expect(block.source_line).toEqual([1n, 3n]);
    expect(block.brand).toEqual(['tab\there', 'ünïcode']);
    events.clear();
    expect([events.length, events.rejected.length]).toEqual([0, 0]);
  });
});
