// The WHERE conditions the read queries share: which windows (of the sales rows) and which
// products (by the brand and category their events carry), with their bound parameters.


/** Which windows a sales query covers: the latest N, a time range of window starts, or all. */
export type WindowRange = { kind: 'latest'; windows: number } | { kind: 'time'; from: number; to: number } | { kind: 'all' };

export interface ProductFilter {
  brand?: string;
  category?: string;
}

/** Epoch ms as whole epoch seconds (a UInt32 parameter), never below 0. */
export const secondsOfMs = (ms: number) => Math.max(0, Math.floor(ms / 1000));

export function rangeCondition(db: string, range: WindowRange): { sql: string; params: Record<string, unknown> } {
  if (range.kind === 'latest') {
    // Any partial row names its window; the latest N distinct window starts.
    return {
      sql: `window_start >= (SELECT min(ws) FROM (SELECT DISTINCT window_start AS ws FROM ${db}.sales_per_product_partials
                                                   ORDER BY ws DESC LIMIT {windows:UInt32}))`,
      params: { windows: range.windows },
    };
  }
  if (range.kind === 'time') {
    return {
      sql: `window_start >= toDateTime({from:UInt32}, 'UTC') AND window_start < toDateTime({to:UInt32}, 'UTC')`,
      params: { from: Math.floor(range.from / 1000), to: Math.ceil(range.to / 1000) },
    };
  }
  return { sql: '1', params: {} };
}

/** Products whose events carry this brand / category (code, a dotted prefix of it, or the id). */
export function productCondition(db: string, filter: ProductFilter): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.brand) {
    where.push('brand = {brand:String}');
    params.brand = filter.brand;
  }
  if (filter.category) {
    if (/^\d{1,20}$/.test(filter.category)) where.push('category_id = {category:UInt64}');
    else where.push('(category_code = {category:String} OR startsWith(category_code, {categoryPrefix:String}))');
    params.category = filter.category;
    params.categoryPrefix = `${filter.category}.`;
  }
  if (where.length === 0) return { sql: '1', params };
  return { sql: `product_id IN (SELECT DISTINCT product_id FROM ${db}.events WHERE ${where.join(' AND ')})`, params };
}
