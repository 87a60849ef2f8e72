import type { ShopEvent } from '../core/event.ts';

/** The engine tests' time origin (minute-aligned), and `n` seconds after it. */
export const BASE = Date.UTC(2020, 0, 1);
export const sec = (n: number) => BASE + n * 1000;

export function shopEvent(overrides: Partial<ShopEvent> = {}): ShopEvent {
  return {
    event_time: BASE,
    event_type: 'purchase',
    product_id: 5809910n,
    category_id: 1602943681873052386n,
    category_code: null,
    brand: 'grattol',
    price_cents: 524,
    user_id: 595414620n,
    user_session: '4adb70bb-edbd-4981-b60f-a05bfd32683a',
    source_file: 'fixture.csv',
    source_file_id: '5e1f6a0d3c2b9e47',
    source_line: 2,
    ingested_at: Date.UTC(2020, 0, 1, 0, 0, 1),
    ...overrides,
  };
}

/** A builder of test events: `defaults` over shopEvent(), a fresh source line for each event. */
export function eventFactory(defaults: Partial<ShopEvent> = {}): (overrides?: Partial<ShopEvent>) => ShopEvent {
  let line = 1;
  return (overrides = {}) => shopEvent({ ...defaults, source_file: 'test.csv', source_line: ++line, ingested_at: 0, ...overrides });
}
