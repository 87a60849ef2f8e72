// Writers of the public tables: engine rows in, ClickHouse rows out. Every table is keyed so a
// re-insert after a crash replaces rather than adds (versioned upserts).
import { formatCents, type RejectedRow, type ShopEvent } from '../src/event.ts';

// DateTime columns take epoch seconds as numbers: no date formatting on the hot path.
const seconds = (ms: number) => Math.floor(ms / 1000);
import type { CustomerRow, LateRow, SalesRow } from '../stream/partition-pipeline.ts';
import type { Store } from './store.ts';

const eventColumns = (e: ShopEvent) => ({
  event_time: seconds(e.event_time),
  event_type: e.event_type,
  product_id: String(e.product_id),
  category_id: String(e.category_id),
  category_code: e.category_code ?? '',
  brand: e.brand ?? '',
  price: formatCents(e.price_cents),
  user_id: String(e.user_id),
  user_session: e.user_session ?? '',
  source_file: e.source_file,
  source_line: e.source_line,
});

async function insert(store: Store, table: string, values: object[]): Promise<void> {
  if (values.length === 0) return;
  await store.client.insert({ table: `${store.database}.${table}`, values, format: 'JSONEachRow' });
}

export function writeEvents(store: Store, events: ShopEvent[]) {
  return insert(store, 'events_data', events.map((e) => ({ ...eventColumns(e), ingested_at: e.ingested_at })));
}

export function writeSales(store: Store, rows: SalesRow[]) {
  return insert(
    store,
    'sales_per_product_partials',
    rows.map((r) => ({
      window_start: seconds(r.windowStart),
      window_end: seconds(r.windowEnd),
      product_id: String(r.productId),
      source_partition: r.partition,
      revenue: formatCents(r.revenueCents),
      purchases: r.purchases,
      views: r.views,
      carts: r.carts,
      removals: r.removals,
      is_final: r.isFinal ? 1 : 0,
      version: r.version,
    })),
  );
}

export function writeCustomers(store: Store, rows: CustomerRow[]) {
  return insert(
    store,
    'customer_lifetime_value_versions',
    rows.map((r) => ({
      user_id: String(r.userId),
      revenue: formatCents(r.revenueCents),
      purchases: r.purchases,
      orders: r.orders,
      first_purchase_at: seconds(r.firstPurchaseAt),
      last_purchase_at: seconds(r.lastPurchaseAt),
      avg_order_value: formatCents(r.avgOrderValueCents),
      version: r.version,
    })),
  );
}

export function writeLate(store: Store, rows: LateRow[]) {
  return insert(
    store,
    'late_events_data',
    rows.map((r) => ({ ...eventColumns(r.event), window_start: seconds(r.windowStart), watermark: seconds(r.watermark) })),
  );
}

export function writeRejected(store: Store, rows: RejectedRow[]) {
  return insert(
    store,
    'rejected_events_data',
    rows.map((r) => ({ ...r, rejected_at: r.rejected_at })),
  );
}
