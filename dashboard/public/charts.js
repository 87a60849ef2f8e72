/* global window, document, getComputedStyle */
// Chart.js set-up: the page's charts (the UMD build from /vendor/chart.umd.js puts `Chart`
// on window); the panels fill them.
import { fmtCount, fmtMoney, fmtPct } from './format.js';

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
        plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label} ${fmtMoney(ctx.parsed.y)}` } } },
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

  // Customers per bin of P(alive) (the future-value section).
  const pAlive = new Chart(document.getElementById('clv-p-alive-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'customers', data: [], backgroundColor: '#0f766e', borderRadius: 3, barPercentage: 1, categoryPercentage: 0.92 }] },
    options: base({
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
        y: { beginAtZero: true, grid: { color: GRID }, ticks: { precision: 0 } },
      },
      plugins: { tooltip: { callbacks: { title: (items) => `P(alive) ${items[0]?.label ?? ''}`, label: (ctx) => `${fmtCount(ctx.parsed.y)} customers` } } },
    }),
  });

  // A bar per hour of session end: the rate of abandoned carts, the sessions behind it in the tooltip.
  const abandonment = new Chart(document.getElementById('abandonment-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'abandonment', data: [], backgroundColor: '#b91c1c', borderRadius: 3, maxBarThickness: 28 }] },
    options: base({
      scales: {
        x: { grid: { display: false }, ticks: { maxTicksLimit: 12, maxRotation: 0 } },
        y: { beginAtZero: true, grid: { color: GRID }, ticks: { callback: (v) => fmtPct(v) } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const h = ctx.chart.$hours?.[ctx.dataIndex];
              return h ? [`abandoned ${fmtPct(h.abandonment_rate)}`, `${fmtCount(h.abandoned)} of ${fmtCount(h.sessions_with_cart)} sessions with a cart`, `value ${fmtMoney(h.abandoned_value)}`] : '';
            },
          },
        },
      },
    }),
  });

  return { top, rpm: line('rpm-chart', 'revenue', ACCENT), series: line('series-chart', 'revenue', '#0891b2'), clv, abandonment, pAlive };
}

/** Replaces a chart's labels and first dataset. */
export function setData(chart, labels, data) {
  chart.data.labels = labels;
  chart.data.datasets[0].data = data;
  chart.update();
}
