// Products as their events describe them: what to call a product on the dashboard (its most
// frequent non-empty brand and category code in the events table, ties to the alphabetically
// first, '' when its events never carried one) and the brands and categories the filters offer.
// Ids only ever come from the store or a validated route parameter; the query binds them.
import type { Store } from './store.ts';
import { queryRows } from './query-rows.ts';

export interface ProductLabel {
  brand: string;
  category_code: string;
}

/** The most frequent key of a count map; ties to the smallest key; '' for an empty map. */
function mostFrequent(counts: Map<string, number>): string {
  let best = '';
  let bestCount = 0;
  for (const [value, n] of counts) {
    if (n > bestCount || (n === bestCount && value < best)) [best, bestCount] = [value, n];
  }
  return best;
}

/** Labels of the given products (decimal id strings); ids without events are left out. */
export async function productLabels(store: Store, ids: string[]): Promise<Map<string, ProductLabel>> {
  const wanted = [...new Set(ids)].filter((id) => /^\d{1,20}$/.test(id));
  if (wanted.length === 0) return new Map();
  // One pass over the events table: counts per (product, brand, category code), folded below.
  const rows = await queryRows<{ pid: string; brand: string; code: string; n: string }>(
    store,
    `SELECT toString(product_id) AS pid, brand, category_code AS code, count() AS n
     FROM ${store.database}.events
     WHERE product_id IN {ids:Array(UInt64)}
     GROUP BY product_id, brand, category_code`,
    { ids: wanted.map((id) => BigInt(id)) },
  );
  const tally = new Map<string, { brands: Map<string, number>; codes: Map<string, number> }>();
  for (const r of rows) {
    const t = tally.get(r.pid) ?? { brands: new Map<string, number>(), codes: new Map<string, number>() };
    tally.set(r.pid, t);
    const n = Number(r.n);
    if (r.brand !== '') t.brands.set(r.brand, (t.brands.get(r.brand) ?? 0) + n);
    if (r.code !== '') t.codes.set(r.code, (t.codes.get(r.code) ?? 0) + n);
  }
  return new Map([...tally].map(([pid, t]) => [pid, { brand: mostFrequent(t.brands), category_code: mostFrequent(t.codes) }]));
}

/** Brands and category codes present in the events table, most frequent first. */
export async function filterOptions(store: Store, limit = 50): Promise<{ brands: string[]; categories: string[] }> {
  const db = store.database;
  const pick = (column: 'brand' | 'category_code') =>
    queryRows<{ v: string }>(
      store,
      `SELECT ${column} AS v FROM ${db}.events WHERE ${column} != '' GROUP BY v ORDER BY count() DESC, v ASC LIMIT {limit:UInt32}`,
      { limit },
    ).then((rows) => rows.map((x) => x.v));
  const [brands, categories] = await Promise.all([pick('brand'), pick('category_code')]);
  return { brands, categories };
}
