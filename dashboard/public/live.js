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
      if (!w) this.windows.set(ws, (w = { end: Date.parse(r.window_end), keys: new Set() }));
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

  /** The latest n window starts, oldest first. */
  latest(n) {
    return [...this.windows.keys()].sort((a, b) => a - b).slice(-n);
  }

  rowsOf(starts) {
    return starts.flatMap((ws) => [...this.windows.get(ws).keys].map((k) => this.rows.get(k)));
  }

  /** Top products over the latest n windows, ordered as the API orders them. */
  top(limit, n) {
    const sums = new Map();
    for (const r of this.rowsOf(this.latest(n))) {
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

  /** Revenue and purchases per window over the latest n windows, gaps filled when short. */
  perWindow(n) {
    const starts = this.latest(n);
    const totals = new Map(starts.map((ws) => [ws, { cents: 0, purchases: 0 }]));
    for (const r of this.rowsOf(starts)) {
      const t = totals.get(r.ws);
      t.cents += r.cents;
      t.purchases += r.purchases;
    }
    if (starts.length > 1) {
      const size = this.windows.get(starts[0]).end - starts[0];
      const first = starts[0];
      const last = starts[starts.length - 1];
      if (size > 0 && (last - first) / size <= 240) {
        for (let ws = first; ws <= last; ws += size) if (!totals.has(ws)) totals.set(ws, { cents: 0, purchases: 0 });
      }
    }
    return [...totals.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([ws, t]) => ({ minute: new Date(ws).toISOString(), revenue: t.cents / 100, purchases: t.purchases }));
  }

  funnel(n) {
    let views = 0;
    let carts = 0;
    let purchases = 0;
    for (const r of this.rowsOf(this.latest(n))) {
      views += r.views;
      carts += r.carts;
      purchases += r.purchases;
    }
    const ratio = (a, b) => (b === 0 ? 0 : a / b);
    return { views, carts, purchases, view_to_cart: ratio(carts, views), cart_to_purchase: ratio(purchases, carts), view_to_purchase: ratio(purchases, views) };
  }
}
