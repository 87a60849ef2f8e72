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

/**
 * A late_events row: the event, the window it missed and the watermark that had passed it. Late
 * for a `window` (sales per product) or, on time for its window, for its `session`.
 */
export interface LateRow {
  event: ShopEvent;
  windowStart: number;
  watermark: number;
  lateFor: 'window' | 'session';
}

/** A product carted in a session: a session_products row. */
export interface SessionProductRow {
  productId: bigint;
  /** Its cart events in the session. */
  carts: number;
  purchased: boolean;
  /** Carted and not purchased. */
  abandoned: boolean;
  /** Its latest cart event's price when abandoned, else 0. */
  abandonedValueCents: number;
}

/** A sessions row: one final session of a user (and user_session), with its products carted. */
export interface SessionRow {
  userId: bigint;
  /** '' for the events without a session (grouped by user). */
  userSession: string;
  sessionStart: number;
  /** The last event's time. */
  sessionEnd: number;
  events: number;
  views: number;
  carts: number;
  removals: number;
  purchases: number;
  cartValueCents: number;
  purchaseValueCents: number;
  productsCarted: number;
  productsPurchased: number;
  /** At least one cart and no purchase. */
  abandoned: boolean;
  abandonedValueCents: number;
  products: SessionProductRow[];
  sourcePartition: number;
  version: number;
}

/** A session's `session_key`: its session string, or `user:<user_id>` for the events without one. */
export const sessionKey = (r: Pick<SessionRow, 'userId' | 'userSession'>): string => r.userSession || `user:${r.userId}`;

/** A customer_value_forecast row: a purchasing customer scored by the BG/NBD + Gamma-Gamma model in force. */
export interface CustomerForecastRow {
  userId: bigint;
  /** The observation end, epoch ms. */
  asOf: number;
  /** Repeat orders (orders - 1). */
  frequency: number;
  recencyDays: number;
  ageDays: number;
  avgRepeatOrderValueCents: number;
  pAlive: number;
  expectedOrders30d: number;
  expectedOrders365d: number;
  expectedOrderValueCents: number;
  predictedValue12mCents: number;
  /** The model's observation end (its clv_models row), epoch ms. */
  modelFittedAt: number;
  sourcePartition: number;
  version: number;
}

/** A clv_models row: one fit of both models (times in days). */
export interface ClvModelRow {
  /** The observation end, epoch ms. */
  fittedAt: number;
  customers: number;
  repeatCustomers: number;
  r: number;
  alpha: number;
  a: number;
  b: number;
  bgnbdLogLikelihood: number;
  p: number;
  q: number;
  gamma: number;
  ggLogLikelihood: number;
  iterations: number;
  converged: boolean;
  durationMs: number;
  /** Who fitted it: 'stream' (the aggregator's refits) or 'cli' (`clv fit`). */
  source: 'stream' | 'cli';
}
