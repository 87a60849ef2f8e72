// The live sales state: per-partition partial rows of (window, product), merged by version as
// the aggregator emits them (a later version of a partition's row replaces the earlier one),
// summed over partitions and windows on demand. Starts from the `init` snapshot of the stream.
const byIdAsc = (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

export class LiveSales {
  constructor() {
    this.reset([], 60);
  }

  /** A fresh snapshot: the per-partition rows of the store's latest `maxWindows` windows. */
  reset(rows, maxWindows) {
    this.maxWindows = maxWindows;
    this.rows = new Map(); // "ws|product|partition" -> row
    this.windows = new Map(); // window start (ms) -> { end, keys: Set }
    this.floor = -Infinity;
    this.windowMs = 60_000;
    this.apply(rows);
    // A full snapshot may lack older windows: rows for them would only be partial.
    if (this.windows.size >= maxWindows) this.floor = Math.min(...this.windows.keys());
  }

  apply(rows) {
    for (const r of rows) {
      const ws = Date.parse(r.window_start);
      if (ws < this.floor) continue;
      const key = `${ws}|${r.product_id}|${r.partition}`;
      const old = this.rows.get(key);
      if (old && old.version >= r.version) continue;
      this.rows.set(key, { ws, product: r.product_id, cents: Math.round(r.revenue * 100), purchases: r.purchases, views: r.views, carts: r.carts, version: r.version });
      let w = this.windows.get(ws);
      if (!w) {
        this.windows.set(ws, (w = { end: Date.parse(r.window_end), keys: new Set() }));
        this.windowMs = w.end - ws;
      }
      w.keys.add(key);
    }
    this.prune();
  }

  prune() {
    if (this.windows.size <= this.maxWindows) return;
    const starts = [...this.windows.keys()].sort((a, b) => a - b);
    for (const ws of starts.slice(0, starts.length - this.maxWindows)) {
      for (const key of this.windows.get(ws).keys) this.rows.delete(key);
      this.windows.delete(ws);
    }
    this.floor = Math.min(...this.windows.keys());
  }

  rowsOf(starts) {
    return starts.flatMap((ws) => [...this.windows.get(ws).keys].map((k) => this.rows.get(k)));
  }

  /** The end of the newest window held (ms), or null. */
  newestEnd() {
    let end = null;
    for (const w of this.windows.values()) if (end === null || w.end > end) end = w.end;
    return end;
  }

  /** Whether every window starting at or after `from` is held (the snapshot reaches back that far). */
  covers(from) {
    return this.windows.size < this.maxWindows || Math.min(...this.windows.keys()) <= from;
  }

  /** Window starts in [from, to), oldest first. */
  startsIn(from, to = Infinity) {
    return [...this.windows.keys()].filter((ws) => ws >= from && ws < to).sort((a, b) => a - b);
  }

  /** Top products of the windows starting at or after `from`, ordered as the API orders them. */
  top(limit, from) {
    const sums = new Map();
    for (const r of this.rowsOf(this.startsIn(from))) {
      const s = sums.get(r.product) ?? { product_id: r.product, cents: 0, purchases: 0, views: 0, carts: 0 };
      s.cents += r.cents;
      s.purchases += r.purchases;
      s.views += r.views;
      s.carts += r.carts;
      sums.set(r.product, s);
    }
    return [...sums.values()]
      .sort((a, b) => b.cents - a.cents || b.purchases - a.purchases || b.views - a.views || byIdAsc(a.product_id, b.product_id))
      .slice(0, limit)
      .map((s) => ({ ...s, revenue: s.cents / 100 }));
  }

  /** Revenue and purchases per window of [from, to), every window-sized step present (empty ones as 0). */
  series(from, to) {
    const starts = this.startsIn(from, to);
    const totals = new Map(starts.map((ws) => [ws, { cents: 0, purchases: 0 }]));
    for (const r of this.rowsOf(starts)) {
      const t = totals.get(r.ws);
      t.cents += r.cents;
      t.purchases += r.purchases;
    }
    const size = this.windowMs;
    if (size > 0 && (to - from) / size <= 1440) {
      for (let ws = from; ws < to; ws += size) if (!totals.has(ws)) totals.set(ws, { cents: 0, purchases: 0 });
    }
    return [...totals.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([ws, t]) => ({ start: new Date(ws).toISOString().replace('.000Z', 'Z'), revenue: t.cents / 100, purchases: t.purchases }));
  }

  funnel(from) {
    let views = 0;
    let carts = 0;
    let purchases = 0;
    for (const r of this.rowsOf(this.startsIn(from))) {
      views += r.views;
      carts += r.carts;
      purchases += r.purchases;
    }
    const ratio = (a, b) => (b === 0 ? 0 : a / b);
    return { views, carts, purchases, view_to_cart: ratio(carts, views), cart_to_purchase: ratio(purchases, carts), view_to_purchase: ratio(purchases, views) };
  }
}
