/* global window, document */
// The page: KPI tiles of the chosen range of event time (GET /api/kpis), live charts from the SSE
// stream (init snapshot + sales rows merged in LiveSales) for the latest hour or less, the JSON
// API for longer, filtered or custom ranges, for sessions and for lifetime value (past and predicted), health every
// 2 s. This module composes the panels and decides what each stream event refreshes: sessions
// close as the watermark passes them, so sales pushes and session closes both refresh them.
import { createCharts } from './charts.js';
import { feed, subscribe } from './feed.js';
import { alertsPanel } from './panels/alerts.js';
import { clvPanel } from './panels/clv.js';
import { clvForecastPanel } from './panels/clv-forecast.js';
import { refreshFilters, wireControls } from './panels/controls.js';
import { renderHealth } from './panels/health.js';
import { refreshKpis } from './panels/kpis.js';
import { productSeriesPanel } from './panels/product-series.js';
import { salesPanels } from './sales-panels.js';
import { sessionPanels } from './session-panels.js';

function main() {
  const charts = createCharts((product) => series.show(product));
  window.__charts = charts;
  window.__live = feed.sales;
  const series = productSeriesPanel(charts.series);
  const refreshSales = salesPanels(charts.top, charts.rpm);
  const refreshClv = clvPanel(charts.clv);
  const refreshForecast = clvForecastPanel(charts.pAlive);
  const refreshSessions = sessionPanels(charts.abandonment);
  const refreshAlerts = alertsPanel();
  wireControls(() => {
    refreshSales();
    refreshKpis();
    refreshSessions();
    series.refresh();
  });
  subscribe({
    onInit: () => {
      refreshSales();
      refreshKpis();
      refreshSessions();
      refreshClv();
      refreshForecast();
      refreshFilters();
    },
    onSales: (update) => {
      refreshSales();
      refreshKpis();
      refreshSessions();
      refreshFilters();
      if (update.customers > 0) {
        refreshClv();
        refreshForecast();
      }
      series.refresh();
    },
    onSession: refreshSessions,
    onHealth: renderHealth,
  });
  // Alerts change on the evaluator's clock (every few seconds), not with the sales pushes.
  refreshAlerts();
  setInterval(refreshAlerts, 5000);
  // Without a live job in this process (a separate aggregator), the page polls.
  setInterval(() => {
    if (feed.ready && !feed.live) {
      refreshSales();
      refreshKpis();
      refreshSessions();
      refreshClv();
      refreshForecast();
    }
  }, 5000);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
