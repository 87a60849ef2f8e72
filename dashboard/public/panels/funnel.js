// The funnel, as bars with the rates between the steps, in two views the card's toggle picks:
// events (views → carts → purchases) and sessions (sessions → with a cart → with a purchase).
import { fmtCount, fmtPct } from '../format.js';
import { $ } from '../page.js';

const ratio = (a, b) => (b === 0 ? 0 : a / b);
/** The latest data and note of each view; the shown view is drawn from them. */
const shown = { view: 'events', events: null, sessions: null };

function steps(f) {
  if (shown.view === 'sessions') {
    return [
      ['sessions', f.sessions],
      [`${fmtPct(ratio(f.sessions_with_cart, f.sessions))} carted`],
      ['carted', f.sessions_with_cart],
      [`${fmtPct(f.abandonment_rate)} of them abandoned`],
      ['purchased', f.sessions_with_purchase],
      ['session → purchase', ratio(f.sessions_with_purchase, f.sessions)],
    ];
  }
  return [
    ['views', f.views],
    [`${fmtPct(f.view_to_cart)} view → cart`],
    ['carts', f.carts],
    [`${fmtPct(f.cart_to_purchase)} cart → purchase`],
    ['purchases', f.purchases],
    ['view → purchase', f.view_to_purchase],
  ];
}

function draw() {
  const data = shown[shown.view];
  if (!data) return;
  const [a, r1, b, r2, c, total] = steps(data.f);
  const max = Math.max(a[1], b[1], c[1], 1);
  const step = ([name, value]) =>
    `<div class="step"><span>${name}</span><div class="track"><div class="fill" style="width:${(100 * value) / max}%"></div></div><span class="count">${fmtCount(value)}</span></div>`;
  const rate = ([text]) => `<div class="step"><span></span><span class="rate">↓ ${text}</span></div>`;
  $('funnel').innerHTML = step(a) + rate(r1) + step(b) + rate(r2) + step(c) + `<div class="total">${total[0]}: <strong>${fmtPct(total[1])}</strong></div>`;
  $('funnel-note').textContent = data.note;
  for (const button of $('funnel-view').querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.view === shown.view));
}

/** The events funnel ({ views, carts, purchases, rates }) and the note beside the title. */
export function renderFunnel(f, note) {
  shown.events = { f, note };
  draw();
}

/** The sessions funnel (an abandonment answer: sessions, sessions_with_cart, sessions_with_purchase, …). */
export function renderSessionFunnel(f, note) {
  shown.sessions = { f, note };
  draw();
}

$('funnel-view').addEventListener('click', (e) => {
  const view = e.target.dataset?.view;
  if (!view) return;
  shown.view = view;
  draw();
});
