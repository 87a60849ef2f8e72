// The funnel: views, carts and purchases as bars, with the rates between the steps.
import { fmtCount, fmtPct } from '../format.js';
import { $ } from '../page.js';

export function renderFunnel(f, note) {
  const max = Math.max(f.views, f.carts, f.purchases, 1);
  const step = (name, value) =>
    `<div class="step"><span>${name}</span><div class="track"><div class="fill" style="width:${(100 * value) / max}%"></div></div><span class="count">${fmtCount(value)}</span></div>`;
  const rate = (text, value) => `<div class="step"><span></span><span class="rate">↓ ${fmtPct(value)} ${text}</span></div>`;
  $('funnel').innerHTML =
    step('views', f.views) +
    rate('view → cart', f.view_to_cart) +
    step('carts', f.carts) +
    rate('cart → purchase', f.cart_to_purchase) +
    step('purchases', f.purchases) +
    `<div class="total">view → purchase: <strong>${fmtPct(f.view_to_purchase)}</strong></div>`;
  $('funnel-note').textContent = note;
}
