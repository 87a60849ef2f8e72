// Final sessions and their carted products written straight into the store (no pipeline), for the
// session routes and the dashboard's session panels: the rows the engine would write, with the
// columns a test does not care about filled in.
import type { Store } from '../aggregates/store.ts';

/** A session's row; times as 'YYYY-MM-DD HH:MM:SS' UTC, money as decimal text. */
export interface SeedSession {
  user_id: number;
  user_session: string;
  session_start: string;
  session_end: string;
  views?: number;
  carts?: number;
  purchases?: number;
  cart_value?: string;
  purchase_value?: string;
  abandoned_value?: string;
  version?: number;
}

/** A (session, product carted) row: the session's key, the product, whether bought, its value left. */
export interface SeedSessionProduct {
  user_id: number;
  user_session: string;
  session_start: string;
  session_end: string;
  product_id: number;
  carts?: number;
  purchased?: boolean;
  abandoned_value?: string;
  version?: number;
}

export async function seedSessions(store: Store, sessions: SeedSession[], products: SeedSessionProduct[] = []): Promise<void> {
  const db = store.database;
  await store.client.insert({
    table: `${db}.sessions_data`,
    format: 'JSONEachRow',
    values: sessions.map((s) => {
      const carts = s.carts ?? 0;
      const purchases = s.purchases ?? 0;
      return {
        session_key: s.user_session === '' ? `user:${s.user_id}` : s.user_session,
        user_id: s.user_id,
        user_session: s.user_session,
        session_start: s.session_start,
        session_end: s.session_end,
        events: (s.views ?? 0) + carts + purchases,
        views: s.views ?? 0,
        carts,
        removals: 0,
        purchases,
        cart_value: s.cart_value ?? '0',
        purchase_value: s.purchase_value ?? '0',
        products_carted: products.filter((p) => p.user_id === s.user_id && p.user_session === s.user_session && p.session_start === s.session_start).length,
        products_purchased: purchases > 0 ? 1 : 0,
        abandoned: carts > 0 && purchases === 0 ? 1 : 0,
        abandoned_value: s.abandoned_value ?? '0',
        is_final: 1,
        source_partition: 0,
        version: s.version ?? 1,
      };
    }),
  });
  if (products.length === 0) return;
  await store.client.insert({
    table: `${db}.session_products_data`,
    format: 'JSONEachRow',
    values: products.map((p) => ({
      user_id: p.user_id,
      user_session: p.user_session,
      session_start: p.session_start,
      session_end: p.session_end,
      product_id: p.product_id,
      carts: p.carts ?? 1,
      purchased: p.purchased ? 1 : 0,
      abandoned: p.purchased ? 0 : 1,
      abandoned_value: p.purchased ? '0' : (p.abandoned_value ?? '0'),
      source_partition: 0,
      version: p.version ?? 1,
    })),
  });
}

/** Events naming products' brand and category (what the labels and filters read): one view each. */
export async function seedProductEvents(store: Store, products: Array<{ product_id: number; brand: string; category_code: string }>, time: string): Promise<void> {
  await store.client.insert({
    table: `${store.database}.events_data`,
    format: 'JSONEachRow',
    values: products.map((p, i) => ({
      event_time: time,
      event_type: 'view',
      product_id: p.product_id,
      category_id: 1,
      category_code: p.category_code,
      brand: p.brand,
      price: '1.00',
      user_id: 1,
      user_session: 'seed',
      source_file: 'session-seed.csv',
      source_line: i + 2,
    })),
  });
}
