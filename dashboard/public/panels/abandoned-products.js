/* global document */
// Top abandoned products: the products most left in carts (by value) in sessions of the range,
// labelled with brand and category code.
import { fmtCount, fmtMoney, productLabel } from '../format.js';
import { $ } from '../page.js';

/** A table row of cells, each [text, class]; brands come from the events, so text, never markup. */
function row(cells) {
  const tr = document.createElement('tr');
  for (const [text, cls] of cells) {
    const td = tr.insertCell();
    td.textContent = text;
    if (cls) td.className = cls;
  }
  return tr;
}

/** An answer of GET /api/sessions/abandoned-products and the note beside the title. */
export function renderAbandonedProducts(products, note) {
  const body = $('abandoned-table').tBodies[0];
  body.replaceChildren(
    ...products.map((p, i) =>
      row([[String(i + 1)], [productLabel(p)], [fmtCount(p.sessions_carted), 'num'], [fmtCount(p.sessions_abandoned), 'num'], [fmtMoney(p.abandoned_value), 'num']]),
    ),
  );
  if (products.length === 0) {
    const empty = body.insertRow().insertCell();
    empty.colSpan = 5;
    empty.className = 'empty';
    empty.textContent = 'no abandoned carts in this range';
  }
  $('abandoned-note').textContent = note;
}
