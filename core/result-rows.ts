// The rows the engine emits, one type per public table (docs/design.md, "Public tables"): the
// vocabulary shared by the engine that produces them (stream/), the store that writes them
// (aggregates/writers.ts) and the live dashboard that pushes them (dashboard/live.ts).
import type { ShopEvent } from './event.ts';

/** A partial sales_per_product row: one product in one window, from one source partition. */
export interface SalesRow {
  windowStart: number;
  windowEnd: number;
  productId: bigint;
  /** The input partition the row sums (sales_per_product_partials.source_partition). */
  sourcePartition: number;
  revenueCents: number;
  purchases: number;
  views: number;
  carts: number;
  removals: number;
  isFinal: boolean;
  /** Grows with the partition offset; a final row outranks an early one at the same offset. */
  version: number;
}

/** A customer_lifetime_value row; the newest version replaces the older ones. */
export interface CustomerRow {
  userId: bigint;
  revenueCents: number;
  purchases: number;
  orders: number;
  firstPurchaseAt: number;
  lastPurchaseAt: number;
  avgOrderValueCents: number;
  version: number;
}

/** A late_events row: the event, the window it missed and the watermark that had passed it. */
export interface LateRow {
  event: ShopEvent;
  windowStart: number;
  watermark: number;
}
