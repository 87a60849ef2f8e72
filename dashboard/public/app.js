/* global window, document, EventSource, Option */
// The page: KPI tiles of the chosen range of event time (GET /api/kpis), live charts from the SSE
// stream (init snapshot + sales rows merged in LiveSales) for the latest hour or less, the JSON
// API for longer, filtered or custom ranges and for lifetime value, health every 2 s.
import { api, streamUrl } from './api.js';
import { LiveSales } from './live.js';
import {
  createCharts,
  dayHhmm,
  fmtCount,
  fmtDuration,
  fmtMoney,
  fmtMoneyShort,
  fmtPct,
  fmtTime,
  hhmm,
  productLabel,
  renderBuckets,
  renderRevenue,
  renderTop,
  setData,
} from './charts.js';

const $ = (id) => document.getElementById(id);
const state = new LiveSales();
const view = { range: '1h', from: '', to: '', brand: '', category: '' };
/** Lengths of the relative ranges; `today` and custom ones are resolved by the server. */
const RANGE_MS = { '15m': 15 * 60_000, '1h': 60 * 60_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 86_400_000 };
const RANGE_TEXT = { '15m': 'latest 15 minutes', '1h': 'latest hour', '6h': 'latest 6 hours', today: 'today so far', '24h': 'latest 24 hours', '7d': 'latest 7 days', custom: 'custom range' };
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

/** The custom range as ISO times (the inputs are UTC wall-clock times); {} outside custom mode. */
function span() {
  if (!custom() || !view.from || !view.to) return {};
  return { from: `${view.from}:00Z`, to: `${view.to}:00Z` };
}
const rangeQuery = () => (custom() ? span() : { span: view.range });
const filterQuery = () => ({ brand: view.brand, category: view.category });

/**
 * [from, to) of the range in the live state when the state can answer it (a relative range it
 * holds entirely, no filter), else null: then the charts come from the API.
 */
function liveSpan() {
  const length = RANGE_MS[view.range];
  if (!live || !ready || custom() || filtered() || !length) return null;
  const end = state.newestEnd();
  if (end === null || !state.covers(end - length)) return null;
  return { from: end - length, to: end };
}

// Labels (brand, category code) of products shown from the live state, which carries only ids.
const labels = new Map(); // product id -> { brand, category_code, at, archived }
let labelsInFlight = false;
// A product the archive does not hold yet (the live push goes out before the raw archive is
// written) is asked again soon; one archived without a brand, after a while (a later event may
// carry one).
const NOT_ARCHIVED_RETRY_MS = 1_000;
const NO_BRAND_RETRY_MS = 10_000;
function withLabels(products) {
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
        refreshSales();
        // Without a push to come, the products not archived yet are still asked again.
        if (found.length < missing.length) setTimeout(refreshSales, NOT_ARCHIVED_RETRY_MS + 50);
      }, showError)
      .finally(() => (labelsInFlight = false));
  }
  return products.map((p) => ({ ...p, brand: labels.get(p.product_id)?.brand ?? '', category_code: labels.get(p.product_id)?.category_code ?? '' }));
}

async function refreshSalesNow() {
  const rangeText = RANGE_TEXT[view.range];
  const filter = filterQuery();
  const filterText = filtered() ? ' · filtered' : '';
  // The live state holds the latest windows of every product; longer ranges and brand or
  // category filters need the archive, so those charts come from the API (refreshed on each
  // push all the same).
  const ls = liveSpan();
  const liveText = live && ready && !custom() ? ' · live' : '';
  if (ls) {
    renderTop(charts.top, withLabels(state.top(20, ls.from)));
    renderRevenue(charts.rpm, state.series(ls.from, ls.to));
    $('rpm-title').textContent = 'Revenue per minute';
    renderFunnel(state.funnel(ls.from));
  } else {
    const [top, series, funnel] = await Promise.all([
      api('top-products', { ...rangeQuery(), limit: 20, ...filter }),
      api('revenue-series', { ...rangeQuery(), ...filter }),
      api('funnel', { ...rangeQuery(), ...filter }),
    ]);
    renderTop(charts.top, top);
    renderRevenue(charts.rpm, series.points);
    $('rpm-title').textContent = `Revenue per ${series.bucket}`;
    renderFunnel(funnel);
  }
  $('top-note').textContent = `${rangeText}${filterText}${liveText}`;
  $('rpm-note').textContent = `${rangeText}${filterText}${liveText}`;
  $('funnel-note').textContent = `${rangeText}${filtered() ? filterText : ', all products'}`;
}
const refreshSales = throttled(refreshSalesNow, 500);

/** "▲ 12.3% vs …" in green, "▼" in red; for the conversion rate the change in percentage points. */
function renderDelta(el, change, pointsDiff) {
  el.classList.remove('up', 'down');
  if (pointsDiff !== undefined) {
    if (pointsDiff === null) return void (el.textContent = 'no earlier data');
    const pp = pointsDiff * 100;
    el.textContent = `${pp > 0 ? '▲' : pp < 0 ? '▼' : '='} ${Math.abs(pp).toFixed(2)} pp`;
    if (pp !== 0) el.classList.add(pp > 0 ? 'up' : 'down');
    return;
  }
  if (change === null) return void (el.textContent = 'no earlier data');
  el.textContent = `${change > 0 ? '▲' : change < 0 ? '▼' : '='} ${fmtPct(Math.abs(change))}`;
  if (change !== 0) el.classList.add(change > 0 ? 'up' : 'down');
}

/** "2019-10-03 23:00 – 24:00 UTC" (one day) or "2019-10-01 00:00 – 2019-10-03 24:00 UTC". */
function fmtRange(from, to) {
  const f = new Date(from);
  const end = new Date(Date.parse(to) - 1);
  const day = (d) => d.toISOString().slice(0, 10);
  const hm = (d) => d.toISOString().slice(11, 16);
  const toText = Date.parse(to) % 86_400_000 === 0 ? '24:00' : hm(new Date(to));
  return day(f) === day(end) ? `${day(f)} ${hm(f)} – ${toText} UTC` : `${day(f)} ${hm(f)} – ${day(end)} ${toText} UTC`;
}

async function refreshKpisNow() {
  // While the charts come from the live state, the tiles take the very range they show.
  const ls = liveSpan();
  const range = ls ? { from: new Date(ls.from).toISOString(), to: new Date(ls.to).toISOString() } : rangeQuery();
  const k = await api('kpis', { ...range, ...filterQuery() });
  const tiles = [
    ['revenue', fmtMoneyShort(k.current.revenue), k.change.revenue],
    ['orders', fmtCount(k.current.orders), k.change.orders],
    ['buyers', fmtCount(k.current.buyers), k.change.buyers],
    ['aov', fmtMoney(k.current.avg_order_value), k.change.avg_order_value],
    ['conversion', fmtPct(k.current.conversion), null],
  ];
  for (const [name, value, change] of tiles) {
    const tile = $(`kpi-${name}`);
    tile.querySelector('.value').textContent = value;
    const noPrevious = k.previous.views === 0 && k.previous.purchases === 0;
    renderDelta(tile.querySelector('.delta'), change, name === 'conversion' ? (noPrevious ? null : k.current.conversion - k.previous.conversion) : undefined);
  }
  if (k.from === null) {
    $('range-text').textContent = 'event time: waiting for data…';
    $('range-compare').textContent = '';
    return;
  }
  $('range-text').textContent = `${RANGE_TEXT[view.range]}: ${fmtRange(k.from, k.to)}${filtered() ? ' · filtered' : ''}`;
  $('range-compare').textContent = `changes against ${fmtRange(k.previous_from, k.previous_to)}`;
}
const refreshKpis = throttled(refreshKpisNow, 1000);

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
  const points = await api(`products/${seriesProduct}/series`, rangeQuery());
  const multiDay = points.length > 1 && points[0].window_start.slice(0, 10) !== points[points.length - 1].window_start.slice(0, 10);
  setData(charts.series, points.map((p) => (multiDay ? dayHhmm(p.window_start) : hhmm(p.window_start))), points.map((p) => p.revenue));
}
const refreshSeries = throttled(refreshSeriesNow, 2000);

function showSeries(product) {
  seriesProduct = product.product_id;
  $('series-product').textContent = `${productLabel(product)} · revenue per window`;
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

// Event-time speed from the health samples of the last half minute: about ×1,440 while a day is
// replayed per minute, ×1 when live.
const reachedSamples = [];
function eventTimeSpeed(reached) {
  const now = Date.now();
  if (reached !== null) reachedSamples.push([now, reached]);
  while (reachedSamples.length > 2 && now - reachedSamples[0][0] > 30_000) reachedSamples.shift();
  if (reachedSamples.length < 2) return null;
  const [[t0, r0], [t1, r1]] = [reachedSamples[0], reachedSamples[reachedSamples.length - 1]];
  return t1 > t0 ? (r1 - r0) / (t1 - t0) : null;
}
const fmtSpeed = (x) => (x === null ? '–' : x <= 0 ? 'paused' : `×${x >= 10 ? fmtCount(Math.round(x)) : x.toFixed(1)}`);

function renderHealth({ pipeline: p, store, components, eventTime: et }) {
  const millis = (ms) => (ms === null ? '–' : `${fmtCount(Math.round(ms))} ms`);
  const speed = eventTimeSpeed(et?.reached ?? null);
  const rows = p
    ? [
        ['event time reached', fmtTime(et.reached)],
        ['newest event', fmtTime(et.newest)],
        ['event-time lag', fmtDuration(et.lagMs)],
        ['event-time speed', fmtSpeed(speed)],
        // Only when event time is near now: for replayed 2019 data it would say how old the data is.
        ...(et.wallClockDelayMs === null ? [] : [['wall-clock delay', fmtDuration(et.wallClockDelayMs)]]),
        ['ingest rate', `${fmtCount(p.eventsInPerSecond)} events/s`],
        ['consumer lag', `${fmtCount(Object.values(p.consumerLag).reduce((a, b) => a + b, 0))} events`],
        ['rows out', `${fmtCount(p.rowsOutPerSecond)} /s`],
        ['late events', fmtCount(store.late)],
        ['rejected rows', fmtCount(store.rejected)],
        ['latency p50', millis(p.latencyMs.p50)],
        ['latency p99', millis(p.latencyMs.p99)],
        ['events processed', fmtCount(p.eventsTotal)],
        ['open windows', fmtCount(p.openWindows)],
        ['customers', fmtCount(p.customers)],
      ]
    : [
        ['newest event', fmtTime(et?.newest ?? null)],
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
    refreshKpis();
    refreshClv();
    refreshFilters();
  });
  es.addEventListener('sales', (e) => {
    const update = JSON.parse(e.data);
    state.apply(update.rows);
    refreshSales();
    refreshKpis();
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
    refreshKpis();
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
      refreshKpis();
      refreshClv();
    }
  }, 5000);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
