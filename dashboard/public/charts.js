/* global window, document, getComputedStyle */
// Chart.js set-up (the UMD build from /vendor/chart.umd.js puts `Chart` on window) and the
// small formatters the panels share.
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = new Intl.NumberFormat('en-US');
export const fmtMoney = (v) => money.format(v);
export const fmtCount = (v) => count.format(v);
export const fmtPct = (v) => `${(v * 100).toFixed(1)}%`;
/** A duration for people: 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min, 12 d. */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = ms / 1000;
  if (Math.abs(s) < 1) return `${Math.round(ms)} ms`;
  if (Math.abs(s) < 60) return `${s.toFixed(1)} s`;
  if (Math.abs(s) < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  if (Math.abs(s) < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${fmtCount(Math.floor(s / 86_400))} d`;
}
/** "HH:MM" of an ISO time, UTC (event time is UTC). */
export const hhmm = (iso) => iso.slice(11, 16);
/** "MM-DD HH:MM" when a series spans more than a day. */
export const dayHhmm = (iso) => `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
/** "YYYY-MM-DD HH:MM:SS" of epoch ms, UTC. */
export const fmtTime = (ms) => (ms === null || ms === undefined ? '–' : new Date(ms).toISOString().slice(0, 19).replace('T', ' '));
/** Money without cents past 10k, with k/M past a million: for the tiles. */
export function fmtMoneyShort(v) {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (Math.abs(v) >= 1e4) return count.format(Math.round(v));
  return money.format(v);
}
/** What a bar of the top chart is called: brand, category code (when known) and id. */
export function productLabel(p) {
  return [p.brand || 'no brand', p.category_code, `#${p.product_id}`].filter(Boolean).join(' · ');
}

const ACCENT = '#2563eb';
const GRID = '#eef1f5';

function base({ plugins = {}, ...extra } = {}) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: { duration: 250 },
    plugins: { legend: { display: false }, ...plugins },
    ...extra,
  };
}

export function createCharts(onProductClick) {
  const { Chart } = window;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#475467';

  const top = new Chart(document.getElementById('top-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'revenue', data: [], backgroundColor: ACCENT, borderRadius: 4, maxBarThickness: 18 }] },
    options: base({
      indexAxis: 'y',
      scales: {
        x: { beginAtZero: true, grid: { color: GRID }, ticks: { callback: (v) => fmtMoney(v) } },
        y: { grid: { display: false }, ticks: { autoSkip: false, font: { size: 11 } } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const p = ctx.chart.$products?.[ctx.dataIndex];
              return p
                ? [`product ${p.product_id}`, `brand ${p.brand || '–'}`, `category ${p.category_code || '–'}`, `revenue ${fmtMoney(p.revenue)}`, `purchases ${fmtCount(p.purchases)}`, `views ${fmtCount(p.views)}`, `carts ${fmtCount(p.carts)}`]
                : '';
            },
          },
        },
      },
      onClick: (_e, elements, chart) => {
        const p = elements[0] && chart.$products?.[elements[0].index];
        if (p) onProductClick(p);
      },
    }),
  });

  const line = (id, label, color) =>
    new Chart(document.getElementById(id), {
      type: 'line',
      data: { labels: [], datasets: [{ label, data: [], borderColor: color, backgroundColor: `${color}22`, fill: true, tension: 0.25, pointRadius: 0, borderWidth: 2 }] },
      options: base({
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { maxTicksLimit: 12, maxRotation: 0 } },
          y: { beginAtZero: true, grid: { color: GRID }, ticks: { callback: (v) => fmtMoney(v) } },
        },
        plugins: { tooltip: { callbacks: { label: (ctx) => `${label} ${fmtMoney(ctx.parsed.y)}` } } },
      }),
    });

  const clv = new Chart(document.getElementById('clv-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'users', data: [], backgroundColor: '#7c3aed', borderRadius: 3, barPercentage: 1, categoryPercentage: 0.92 }] },
    options: base({
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
        y: { beginAtZero: true, grid: { color: GRID }, ticks: { precision: 0 } },
      },
      plugins: { tooltip: { callbacks: { title: (items) => `revenue ${items[0]?.label ?? ''}`, label: (ctx) => `${fmtCount(ctx.parsed.y)} users` } } },
    }),
  });

  return { top, rpm: line('rpm-chart', 'revenue', ACCENT), series: line('series-chart', 'revenue', '#0891b2'), clv };
}

/** Replaces a chart's labels and first dataset. */
export function setData(chart, labels, data) {
  chart.data.labels = labels;
  chart.data.datasets[0].data = data;
  chart.update();
}

/** Products with brand and category_code (unknown ones as ''). */
export function renderTop(chart, products) {
  chart.$products = products;
  setData(chart, products.map(productLabel), products.map((p) => p.revenue));
}

/** Points of { start, revenue } per minute or hour; days shown when the series spans more than one. */
export function renderRevenue(chart, points) {
  const multiDay = points.length > 1 && points[0].start.slice(0, 10) !== points[points.length - 1].start.slice(0, 10);
  setData(chart, points.map((p) => (multiDay ? dayHhmm(p.start) : hhmm(p.start))), points.map((p) => p.revenue));
}

export function renderBuckets(chart, buckets) {
  const short = (v) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : v.toFixed(0));
  setData(chart, buckets.map((b) => `${short(b.lower)}–${short(b.upper)}`), buckets.map((b) => b.users));
}
