/* global window, document, EventSource, Option */
// The page: live charts from the SSE stream (init snapshot + sales rows merged in LiveSales),
// the JSON API for filtered or custom ranges and for lifetime value, health every 2 s.
import { api, streamUrl } from './api.js';
import { LiveSales } from './live.js';
import { createCharts, fmtCount, fmtDuration, fmtMoney, fmtPct, hhmm, renderBuckets, renderMinutes, renderTop } from './charts.js';

const $ = (id) => document.getElementById(id);
const state = new LiveSales();
const view = { range: '5', from: '', to: '', brand: '', category: '' };
let live = false; // the stream carries this process's emissions
let ready = false; // an init snapshot has arrived
let seriesProduct = null;
let charts;

/** Runs fn at most once per `ms`; calls in between coalesce into one more run. */
function throttled(fn, ms) {
  let busy = false;
  let again = false;
  const run = () => {
    if (busy) return void (again = true);
    busy = true;
    Promise.resolve()
      .then(fn)
      .catch(showError)
      .finally(() =>
        setTimeout(() => {
          busy = false;
          if (again) {
            again = false;
            run();
          }
        }, ms),
      );
  };
  return run;
}

function setStatus(state, text) {
  const el = $('status');
  el.dataset.state = state;
  el.textContent = text;
}

function showError(err) {
  console.error(err);
  if (err?.status === 401) setStatus('error', 'unauthorized: open the page with ?token=…');
  else setStatus('error', `error: ${err?.message ?? err}`);
}

const custom = () => view.range === 'custom';
const filtered = () => view.brand !== '' || view.category !== '';
const liveMode = () => live && ready && !custom();

/** The custom range as ISO times (the inputs are UTC wall-clock times); {} outside custom mode. */
function span() {
  if (!custom() || !view.from || !view.to) return {};
  return { from: `${view.from}:00Z`, to: `${view.to}:00Z` };
}
const rangeQuery = () => (custom() ? span() : { windows: view.range });

async function refreshSalesNow() {
  const n = Number(view.range);
  const rangeText = custom() ? 'custom range' : `latest ${n} windows`;
  // The live state holds every product; a brand or category filter needs the archive, so filtered
  // charts come from the API (refreshed on each push all the same).
  const fromState = liveMode() && !filtered();
  const filter = { brand: view.brand, category: view.category };
  const filterText = filtered() ? ' · filtered' : '';
  const liveText = liveMode() ? ' · live' : '';
  if (fromState) renderTop(charts.top, state.top(20, n));
  else renderTop(charts.top, await api('top-products', { ...rangeQuery(), limit: 20, ...filter }));
  $('top-note').textContent = `${rangeText}${filterText}${liveText}`;

  if (fromState) {
    renderMinutes(charts.rpm, state.perWindow(60));
    $('rpm-note').textContent = 'latest 60 windows · live';
    renderFunnel(state.funnel(n));
  } else {
    renderMinutes(charts.rpm, await api('revenue-per-minute', { ...span(), ...filter }));
    $('rpm-note').textContent = `${custom() ? 'custom range' : 'last hour of event time'}${filterText}${liveText}`;
    renderFunnel(await api('funnel', { ...rangeQuery(), ...filter }));
  }
  $('funnel-note').textContent = `${rangeText}${filtered() ? filterText : ', all products'}`;
}
const refreshSales = throttled(refreshSalesNow, 300);

function renderFunnel(f) {
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
}

async function refreshClvNow() {
  const [leaders, buckets] = await Promise.all([api('clv/leaderboard', { limit: 20 }), api('clv/distribution', { buckets: 12 })]);
  const body = $('clv-table').tBodies[0];
  body.innerHTML = leaders.length
    ? leaders
        .map(
          (c, i) =>
            `<tr><td>${i + 1}</td><td>${c.user_id}</td><td class="num">${fmtMoney(c.revenue)}</td><td class="num">${fmtCount(c.orders)}</td>` +
            `<td class="num">${fmtCount(c.purchases)}</td><td class="num">${fmtMoney(c.avg_order_value)}</td><td>${c.last_purchase_at.replace('T', ' ').replace('Z', '')}</td></tr>`,
        )
        .join('')
    : '<tr><td colspan="7" class="empty">no purchases yet</td></tr>';
  renderBuckets(charts.clv, buckets);
}
const refreshClv = throttled(refreshClvNow, 3000);

async function refreshSeriesNow() {
  if (!seriesProduct) return;
  const points = await api(`products/${seriesProduct}/series`, span());
  charts.series.data.labels = points.map((p) => hhmm(p.window_start));
  charts.series.data.datasets[0].data = points.map((p) => p.revenue);
  charts.series.update();
}
const refreshSeries = throttled(refreshSeriesNow, 2000);

function showSeries(productId) {
  seriesProduct = productId;
  $('series-product').textContent = `${productId} · revenue per window`;
  $('series-card').hidden = false;
  refreshSeries();
}

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One row per component; any not running is shown in red with since when and why. */
function componentRows(components) {
  return Object.entries(components ?? {}).map(([name, c]) => {
    const since = new Date(c.since).toISOString().slice(5, 19).replace('T', ' ');
    const text = c.state === 'running' ? 'running' : `${c.state} since ${since}${c.reason ? `: ${c.reason}` : ''}`;
    return `<div class="component ${c.state}"><dt>${escapeHtml(name)}</dt><dd title="${escapeHtml(text)}">${escapeHtml(text)}</dd></div>`;
  });
}

function renderHealth({ pipeline: p, store, components }) {
  const millis = (ms) => (ms === null ? '–' : `${fmtCount(Math.round(ms))} ms`);
  const watermark = !p || p.watermark === null ? '–' : new Date(p.watermark).toISOString().slice(5, 19).replace('T', ' ');
  const rows = p
    ? [
        ['consumer lag', `${fmtCount(Object.values(p.consumerLag).reduce((a, b) => a + b, 0))} events`],
        ['watermark delay', fmtDuration(p.watermarkDelayMs)],
        ['watermark', watermark],
        ['customers', fmtCount(p.customers)],
        ['events in', `${fmtCount(p.eventsInPerSecond)} /s`],
        ['rows out', `${fmtCount(p.rowsOutPerSecond)} /s`],
        ['late events', fmtCount(store.late)],
        ['rejected rows', fmtCount(store.rejected)],
        ['latency p50', millis(p.latencyMs.p50)],
        ['latency p99', millis(p.latencyMs.p99)],
        ['events processed', fmtCount(p.eventsTotal)],
        ['open windows', fmtCount(p.openWindows)],
      ]
    : [
        ['late events', fmtCount(store.late)],
        ['rejected rows', fmtCount(store.rejected)],
      ];
  $('health').innerHTML = [...componentRows(components), ...rows.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`)].join('');
  $('health-note').textContent = p ? 'every 2 s' : 'no aggregator in this process';
}

function connect() {
  const es = new EventSource(streamUrl());
  es.addEventListener('open', () => setStatus(live ? 'live' : 'connecting', live ? 'live' : 'connected'));
  es.addEventListener('init', (e) => {
    const init = JSON.parse(e.data);
    live = init.live;
    ready = true;
    state.reset(init.rows, init.live_windows);
    setStatus(live ? 'live' : 'polling', live ? 'live' : 'polling every 5 s');
    refreshSales();
    refreshClv();
    refreshFilters();
  });
  es.addEventListener('sales', (e) => {
    const update = JSON.parse(e.data);
    state.apply(update.rows);
    refreshSales();
    refreshFilters();
    if (update.customers > 0) refreshClv();
    if (seriesProduct) refreshSeries();
  });
  es.addEventListener('health', (e) => renderHealth(JSON.parse(e.data)));
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) api('funnel').then(() => setStatus('error', 'stream closed'), showError);
    else setStatus('connecting', 'reconnecting…');
  });
}

/** The brands and categories the archive holds; refreshed, keeping the current choice. */
async function loadFilters() {
  const { brands, categories } = await api('filters', { limit: 100 });
  const fill = (select, values) => {
    const current = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of values.includes(current) || !current ? values : [current, ...values]) select.add(new Option(v, v));
    select.value = current;
  };
  fill($('brand'), brands);
  fill($('category'), categories);
}
const refreshFilters = throttled(loadFilters, 15_000);

function wireControls() {
  const onChange = () => {
    view.range = $('range').value;
    view.brand = $('brand').value;
    view.category = $('category').value;
    $('custom-range').hidden = !custom();
    if (custom() && (!view.from || !view.to)) return;
    refreshSales();
    if (seriesProduct) refreshSeries();
  };
  for (const id of ['range', 'brand', 'category']) $(id).addEventListener('change', onChange);
  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    view.from = $('from').value;
    view.to = $('to').value;
    onChange();
  });
  $('series-close').addEventListener('click', () => {
    seriesProduct = null;
    $('series-card').hidden = true;
  });
}

function main() {
  charts = createCharts(showSeries);
  window.__charts = charts;
  window.__live = state;
  wireControls();
  connect();
  // Without a live job in this process (a separate aggregator), the page polls.
  setInterval(() => {
    if (ready && !live) {
      refreshSales();
      refreshClv();
    }
  }, 5000);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
