/* global window, document */
// The page: KPI tiles of the chosen range of event time (GET /api/kpis), live charts from the SSE
// stream (init snapshot + sales rows merged in LiveSales) for the latest hour or less, the JSON
// API for longer, filtered or custom ranges and for lifetime value, health every 2 s. This module
// composes the panels and decides what each stream event refreshes.
import { createCharts } from './charts.js';
import { feed, subscribe } from './feed.js';
import { clvPanel } from './panels/clv.js';
import { refreshFilters, wireControls } from './panels/controls.js';
import { renderHealth } from './panels/health.js';
import { refreshKpis } from './panels/kpis.js';
import { productSeriesPanel } from './panels/product-series.js';
import { salesPanels } from './sales-panels.js';

function main() {
  const charts = createCharts((product) => series.show(product));
  window.__charts = charts;
  window.__live = feed.sales;
  const series = productSeriesPanel(charts.series);
  const refreshSales = salesPanels(charts.top, charts.rpm);
  const refreshClv = clvPanel(charts.clv);
  wireControls(() => {
    refreshSales();
    refreshKpis();
    series.refresh();
  });
  subscribe({
    onInit: () => {
      refreshSales();
      refreshKpis();
      refreshClv();
      refreshFilters();
    },
    onSales: (update) => {
      refreshSales();
      refreshKpis();
      refreshFilters();
      if (update.customers > 0) refreshClv();
      series.refresh();
    },
    onHealth: renderHealth,
  });
  // Without a live job in this process (a separate aggregator), the page polls.
  setInterval(() => {
    if (feed.ready && !feed.live) {
      refreshSales();
      refreshKpis();
      refreshClv();
    }
  }, 5000);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
