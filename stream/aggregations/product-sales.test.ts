import { describe, expect, it } from 'vitest';
import type { EventType } from '../../core/event.ts';
import { addEvent, emptyProductSales } from './product-sales.ts';
import { eventFactory } from '../../test/fixtures.ts';

const ev = eventFactory({ event_time: Date.UTC(2020, 0, 1), event_type: 'view', product_id: 5809910n, category_id: 1602943681873052386n, category_code: null, brand: null, price_cents: 524, user_id: 595414620n, user_session: 's1' });

describe('product sales aggregate', () => {
  it('starts at zero', () => {
    expect(emptyProductSales()).toEqual({ revenueCents: 0, purchases: 0, views: 0, carts: 0, removals: 0 });
  });

  it('counts each event type; only purchases add revenue', () => {
    const acc = emptyProductSales();
    const types: EventType[] = ['view', 'view', 'cart', 'remove_from_cart', 'purchase', 'purchase', 'view'];
    for (const t of types) addEvent(acc, ev({ event_type: t, price_cents: 1_999 }));
    expect(acc).toEqual({ revenueCents: 3_998, purchases: 2, views: 3, carts: 1, removals: 1 });
  });
});
