// The session panels (the abandonment tile, abandonment per hour, top abandoned products and the
// funnel's sessions view) from one pair of API answers over the chosen range; sessions are final
// rows of the store, so they always come from the API.
import { api } from './api.js';
import { renderAbandonedProducts } from './panels/abandoned-products.js';
import { renderAbandonmentHourly } from './panels/abandonment-hourly.js';
import { renderAbandonmentTile } from './panels/abandonment-tile.js';
import { renderSessionFunnel } from './panels/funnel.js';
import { throttled } from './throttle.js';
import { RANGE_TEXT, filterQuery, filtered, tileRange, view } from './view.js';

/** The refresh of the session panels, drawing the hourly rate into `hourlyChart`. */
export function sessionPanels(hourlyChart) {
  async function refreshNow() {
    const query = { ...tileRange(), ...filterQuery() };
    const [abandonment, products] = await Promise.all([api('sessions/abandonment', query), api('sessions/abandoned-products', { ...query, limit: 20 })]);
    const note = `${RANGE_TEXT[view.range]}${filtered() ? ' · filtered' : ''} · sessions by their end`;
    renderAbandonmentTile(abandonment);
    renderAbandonmentHourly(hourlyChart, abandonment.hours, note);
    renderAbandonedProducts(products, note);
    renderSessionFunnel(abandonment.current, `${note}${filtered() ? ' · sessions that carted its products' : ''}`);
  }
  return throttled(refreshNow, 1000);
}
