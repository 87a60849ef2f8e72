import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shopEvent } from '../test/fixtures.ts';
import { shopEventType } from './avro.ts';
import { EVENT_TYPES, type ShopEvent } from './event.ts';
import { maxShopEventBytes, readShopEvent, ShopEventDecodeError, writeShopEvent } from './shop-event-codec.ts';

const LONG = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
/** Where avsc's number long is exact (beyond 2^52 it rounds negative values' zig-zag form). */
const NUMBER_LONG = { min: -(2 ** 52), max: 2 ** 52 };
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ minLength: 60, maxLength: 300 }), fc.constantFrom('', 'é', '😀', 'x'.repeat(64)));
const anyEvent: fc.Arbitrary<ShopEvent> = fc.record({
  event_time: fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.integer(NUMBER_LONG), fc.constantFrom(NUMBER_LONG.min, NUMBER_LONG.max, -1)),
  event_type: fc.constantFrom(...EVENT_TYPES),
  product_id: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 53n }), fc.bigInt(LONG)),
  category_id: fc.oneof(fc.bigInt({ min: 2n ** 52n, max: 2n ** 63n - 1n }), fc.bigInt(LONG), fc.constantFrom(LONG.min, LONG.max, 0n, -1n)),
  category_code: fc.option(text, { nil: null }),
  brand: fc.option(text, { nil: null }),
  price_cents: fc.integer(),
  user_id: fc.bigInt(LONG),
  user_session: fc.option(text, { nil: null }),
  source_file: text,
  source_file_id: text,
  source_line: fc.integer(),
  ingested_at: fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.integer(NUMBER_LONG)),
});

function encode(e: ShopEvent): Buffer {
  const buf = Buffer.alloc(maxShopEventBytes(e) + 3, 0xee);
  const end = writeShopEvent(e, buf, 3);
  return buf.subarray(3, end);
}

describe('the shop event codec, against avsc', () => {
  it('writes the bytes avsc writes, within the room it asks for, for arbitrary events', () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        expect(encode(e).equals(shopEventType.toBuffer(e))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back what avsc reads, for arbitrary events', () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        const body = shopEventType.toBuffer(e);
        const framed = Buffer.concat([Buffer.from([9, 9]), body, Buffer.from([9])]);
        expect(readShopEvent(framed, 2, 2 + body.length)).toStrictEqual({ ...(shopEventType.fromBuffer(body) as ShopEvent) });
      }),
      { numRuns: 2000 },
    );
  });

  it('reads large ids right after other large ids that share their low half', () => {
    const a = shopEvent({ category_id: 2n ** 60n + 5n });
    const b = shopEvent({ category_id: 2n ** 61n + 5n });
    for (const e of [a, b, a]) expect(readShopEvent(encode(e), 0, encode(e).length).category_id).toBe(e.category_id);
  });

  it('refuses a body cut short anywhere, or with bytes after it, as avsc does', () => {
    const body = encode(shopEvent({ brand: 'acme', user_session: 's-1' }));
    for (let end = 0; end < body.length; end++) {
      expect(() => shopEventType.fromBuffer(body.subarray(0, end))).toThrow();
      expect(() => readShopEvent(body, 0, end)).toThrow(ShopEventDecodeError);
    }
    const longer = Buffer.concat([body, Buffer.from([0])]);
    expect(() => shopEventType.fromBuffer(longer)).toThrow();
    expect(() => readShopEvent(longer, 0, longer.length)).toThrow('1 bytes after the event');
  });

  it('refuses an enum index or union branch the schema does not have', () => {
    const body = encode(shopEvent({ event_type: 'view', category_code: null }));
    const timeBytes = body.findIndex((b) => b < 0x80) + 1;
    const badType = Buffer.from(body);
    badType[timeBytes] = 4 << 1;
    expect(() => readShopEvent(badType, 0, badType.length)).toThrow('event_type index 4');
    const badBranch = Buffer.from(body);
    const unionAt = body.indexOf(0, timeBytes + 1); // category_code's null branch follows the two ids
    badBranch[unionAt] = 4;
    expect(() => readShopEvent(badBranch, 0, badBranch.length)).toThrow(ShopEventDecodeError);
  });

  it("writes timestamps exactly up to avsc's limit and refuses values the schema cannot hold", () => {
    expect(() => writeShopEvent(shopEvent({ user_id: 2n ** 63n }), Buffer.alloc(512), 0)).toThrow(RangeError);
    expect(() => writeShopEvent(shopEvent({ price_cents: 2 ** 31 }), Buffer.alloc(512), 0)).toThrow(TypeError);
    expect(() => writeShopEvent(shopEvent({ event_time: 1.5 }), Buffer.alloc(512), 0)).toThrow(TypeError);
    for (const event_time of [2 ** 53 - 2, -(2 ** 53 - 2), 2 ** 52 + 1, -(2 ** 52 + 1)]) {
      const body = encode(shopEvent({ event_time }));
      expect(readShopEvent(body, 0, body.length).event_time).toBe(event_time);
    }
    // avsc's number long stops there.
    for (const event_time of [2 ** 53 - 1, -(2 ** 53 - 1)]) {
      expect(() => shopEventType.toBuffer(shopEvent({ event_time }))).toThrow();
      expect(() => writeShopEvent(shopEvent({ event_time }), Buffer.alloc(512), 0)).toThrow(TypeError);
    }
    expect(() => writeShopEvent({ ...shopEvent(), event_type: 'refund' as ShopEvent['event_type'] }, Buffer.alloc(512), 0)).toThrow(TypeError);
  });
});
