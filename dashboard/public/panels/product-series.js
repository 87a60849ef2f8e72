// One product's revenue per window over the chosen range, opened by a click on its bar.
import { api } from '../api.js';
import { setData } from '../charts.js';
import { productLabel, timeLabels } from '../format.js';
import { $ } from '../page.js';
import { throttled } from '../throttle.js';
import { rangeQuery } from '../view.js';

/** The card drawing into `chart`: show(product) opens it, refresh() redraws it while open. */
export function productSeriesPanel(chart) {
  let productId = null;
  const refreshNow = async () => {
    if (!productId) return;
    const points = await api(`products/${productId}/series`, rangeQuery());
    setData(chart, timeLabels(points.map((p) => p.window_start)), points.map((p) => p.revenue));
  };
  const refresh = throttled(refreshNow, 2000);
  $('series-close').addEventListener('click', () => {
    productId = null;
    $('series-card').hidden = true;
  });
  return {
    show(product) {
      productId = product.product_id;
      $('series-product').textContent = `${productLabel(product)} · revenue per window`;
      $('series-card').hidden = false;
      refresh();
    },
    refresh() {
      if (productId) refresh();
    },
  };
}
