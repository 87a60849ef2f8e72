// Labels (brand, category code) of products shown from the live state, which carries only ids.
import { api } from './api.js';
import { showError } from './page.js';

const labels = new Map(); // product id -> { brand, category_code, at, archived }
let labelsInFlight = false;
// A product the archive does not hold yet (the live push goes out before the raw archive is
// written) is asked again soon; one archived without a brand, after a while (a later event may
// carry one).
const NOT_ARCHIVED_RETRY_MS = 1_000;
const NO_BRAND_RETRY_MS = 10_000;

/** The products with the labels known so far; asks for missing ones and calls onArrival when they come. */
export function withLabels(products, onArrival) {
  const now = Date.now();
  const missing = products.filter((p) => {
    const l = labels.get(p.product_id);
    return !l || (!l.brand && now - l.at > (l.archived ? NO_BRAND_RETRY_MS : NOT_ARCHIVED_RETRY_MS));
  });
  if (missing.length > 0 && !labelsInFlight) {
    labelsInFlight = true;
    api('product-labels', { ids: missing.map((p) => p.product_id).join(',') })
      .then((found) => {
        for (const p of missing) labels.set(p.product_id, { brand: '', category_code: '', at: Date.now(), archived: false });
        for (const l of found) labels.set(l.product_id, { ...l, at: Date.now(), archived: true });
        onArrival();
        // Without a push to come, the products not archived yet are still asked again.
        if (found.length < missing.length) setTimeout(onArrival, NOT_ARCHIVED_RETRY_MS + 50);
      }, showError)
      .finally(() => (labelsInFlight = false));
  }
  return products.map((p) => ({ ...p, brand: labels.get(p.product_id)?.brand ?? '', category_code: labels.get(p.product_id)?.category_code ?? '' }));
}
