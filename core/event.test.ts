import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contentKey, EVENT_TYPES, eventKey, formatCents, type ShopEvent } from './event.ts';
import { eventFactory } from '../test/fixtures.ts';

const ev = eventFactory({ event_time: Date.UTC(2020, 0, 1), event_type: 'view', product_id: 5809910n, category_id: 1602943681873052386n, category_code: 'a.b', brand: 'grattol', price_cents: 524, user_id: 595414620n, user_session: 's1' });

describe('contentKey', () => {
  it('exact duplicates (all nine fields equal) share it, whatever their identity and read time', () => {
    const a = ev();
    const b = { ...a, source_file: 'other.csv', source_line: 999, ingested_at: 123 };
    expect(contentKey(b)).toBe(contentKey(a));
  });

  it.each<[string, Partial<ShopEvent>]>([
    ['event_time', { event_time: Date.UTC(2020, 0, 1, 0, 0, 1) }],
    ['event_type', { event_type: 'cart' }],
    ['product_id', { product_id: 5809911n }],
    ['category_id', { category_id: 1602943681873052387n }],
    ['category_code', { category_code: 'a.c' }],
    ['brand', { brand: 'other' }],
    ['price', { price_cents: 525 }],
    ['user_id', { user_id: 595414621n }],
    ['user_session', { user_session: 's2' }],
  ])('differs when %s differs', (_name, change) => {
    expect(contentKey(ev(change))).not.toBe(contentKey(ev()));
  });

  it('distinguishes ids above 2^53 that a JS number would merge', () => {
    expect(contentKey(ev({ category_id: 9007199254740993n }))).not.toBe(contentKey(ev({ category_id: 9007199254740992n })));
  });

  it('two events differing in their fields never share a key, even with the separator inside a field', () => {
    const a = ev({ category_code: 'x|y', brand: 'z' });
    const b = ev({ category_code: 'x', brand: 'y|z' });
    expect(contentKey(a)).not.toBe(contentKey(b));
  });

  it('is the text checkpoints hold, whatever the fields (written as bytes for plain text, else by its definition)', () => {
    // The definition, as checkpoints of every earlier version hold it.
    const definition = (e: ShopEvent) =>
      `${e.event_time}|${e.event_type}|${e.product_id}|${e.category_id}|${e.price_cents}|${e.user_id}|${JSON.stringify([e.category_code ?? '', e.brand ?? '', e.user_session ?? ''])}`;
    const id = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n });
    const text = fc.option(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'a"b', 'a\\b', 'tab\there', 'é')), { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          event_time: fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.double()),
          event_type: fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string({ unit: 'binary' })) as fc.Arbitrary<ShopEvent['event_type']>,
          product_id: id,
          category_id: id,
          category_code: text,
          brand: text,
          price_cents: fc.oneof(fc.integer(), fc.double()),
          user_id: id,
          user_session: text,
        }),
        (fields) => {
          const e = ev(fields);
          expect(contentKey(e)).toBe(definition(e));
        },
      ),
      { numRuns: 3_000 },
    );
  });
});

describe('eventKey', () => {
  it('is the bytes of String(user_id), each key intact after many more are handed out', () => {
    const ids = fc.sample(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), { numRuns: 20_000, seed: 7 });
    const keys = ids.map((user_id) => eventKey(ev({ user_id })));
    keys.forEach((key, i) => expect(key.toString('latin1')).toBe(String(ids[i])));
  });
});

describe('formatCents', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [50, '0.50'],
    [524, '5.24'],
    [100, '1.00'],
    [123456789, '1234567.89'],
    [-5, '-0.05'],
    [-524, '-5.24'],
  ])('%i -> %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });
});


describe('EVENT_TYPES', () => {
  it('are the four types of the dataset', () => {
    expect([...EVENT_TYPES]).toEqual(['view', 'cart', 'remove_from_cart', 'purchase']);
  });
});
