// Top products by revenue: a bar per product; a click opens the product's series.
import { setData } from '../charts.js';
import { productLabel } from '../format.js';
import { $ } from '../page.js';

/** Products with brand and category_code (unknown ones as ''), and the note beside the title. */
export function renderTopProducts(chart, products, note) {
  chart.$products = products;
  setData(chart, products.map(productLabel), products.map((p) => p.revenue));
  $('top-note').textContent = note;
}
