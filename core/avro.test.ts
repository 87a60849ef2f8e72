import { describe, expect, it } from 'vitest';
import { shopEvent } from '../test/fixtures.ts';
import { encodeEvent, shopEventType } from './avro.ts';

const decode = (record: Buffer) => shopEventType.fromBuffer(record.subarray(5));

describe('encodeEvent', () => {
  it('frames each record (magic byte, schema id) and keeps earlier records intact across slabs', () => {
    const events = Array.from({ length: 5_000 }, (_, i) => shopEvent({ source_line: i + 2, user_id: BigInt(i) * 1_000_003n, brand: `brand-${i}` }));
    const records = events.map((e) => encodeEvent(7, e));
    records.forEach((record, i) => {
      expect(record[0]).toBe(0);
      expect(record.readInt32BE(1)).toBe(7);
      expect(decode(record)).toEqual(events[i]);
    });
  });

  it('encodes a record larger than a slab, and the next ones after it', () => {
    const big = shopEvent({ brand: 'x'.repeat(600_000) });
    const small = shopEvent({ source_line: 99 });
    const [a, b, c] = [encodeEvent(1, small), encodeEvent(1, big), encodeEvent(1, small)];
    expect(decode(b!)).toEqual(big);
    expect(decode(a!)).toEqual(small);
    expect(decode(c!)).toEqual(small);
  });
});
