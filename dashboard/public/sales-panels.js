// The three sales panels (top products, revenue over time, funnel) from one source: the live
// state when it holds the range, else the API.
import { api } from './api.js';
import { feed } from './feed.js';
import { withLabels } from './product-labels.js';
import { renderFunnel } from './panels/funnel.js';
import { renderRevenue } from './panels/revenue.js';
import { renderTopProducts } from './panels/top-products.js';
import { throttled } from './throttle.js';
import { RANGE_TEXT, custom, filterQuery, filtered, liveSpan, rangeQuery, view } from './view.js';

/** The refresh of the sales panels, drawing into the top-products and revenue charts. */
export function salesPanels(topChart, revenueChart) {
  async function refreshNow() {
    const rangeText = RANGE_TEXT[view.range];
    const filter = filterQuery();
    const filterText = filtered() ? ' · filtered' : '';
    // The live state holds the latest windows of every product; longer ranges and brand or
    // category filters need the archive, so those charts come from the API (refreshed on each
    // push all the same).
    const ls = liveSpan();
    const liveText = feed.live && feed.ready && !custom() ? ' · live' : '';
    // The store-wide forecast: beside an unfiltered chart only; the chart draws without it when it fails.
    const forecast = filtered() ? Promise.resolve(null) : api('forecast').catch(() => null);
    const [top, series, funnel] = ls
      ? [withLabels(feed.sales.top(20, ls.from), refresh), { points: feed.sales.series(ls.from, ls.to), bucket: 'minute' }, feed.sales.funnel(ls.from)]
      : await Promise.all([
          api('top-products', { ...rangeQuery(), limit: 20, ...filter }),
          api('revenue-series', { ...rangeQuery(), ...filter }),
          api('funnel', { ...rangeQuery(), ...filter }),
        ]);
    renderTopProducts(topChart, top, `${rangeText}${filterText}${liveText}`);
    renderRevenue(revenueChart, series.points, series.bucket, `${rangeText}${filterText}${liveText}`, await forecast);
    renderFunnel(funnel, `${rangeText}${filtered() ? filterText : ', all products'}`);
  }
  const refresh = throttled(refreshNow, 500);
  return refresh;
}
