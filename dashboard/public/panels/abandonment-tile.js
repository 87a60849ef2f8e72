// The cart abandonment tile: the rate of the chosen range (sessions with a cart and no purchase,
// of those with a cart) and the value left in carts, each with its change against the range before.
import { fmtMoneyShort, fmtPct } from '../format.js';
import { $ } from '../page.js';
import { renderDelta } from './kpis.js';

/** "▲ 12.3%" of a relative change; '' when there is nothing to compare with. */
const changeText = (change) => (change === null ? '' : ` ${change > 0 ? '▲' : change < 0 ? '▼' : '='} ${fmtPct(Math.abs(change))}`);

/** An answer of GET /api/sessions/abandonment. */
export function renderAbandonmentTile(a) {
  const tile = $('kpi-abandonment');
  tile.querySelector('.value').textContent = fmtPct(a.current.abandonment_rate);
  tile.querySelector('.detail').textContent = `${fmtMoneyShort(a.current.abandoned_value)} left in carts${changeText(a.change.abandoned_value)}`;
  // The rate's change in percentage points, as the conversion tile's.
  const noPrevious = a.previous.sessions_with_cart === 0;
  const delta = tile.querySelector('.delta');
  renderDelta(delta, null, noPrevious ? null : a.current.abandonment_rate - a.previous.abandonment_rate);
  // More abandonment is worse: the colours of up and down swap.
  const [up, down] = [delta.classList.contains('up'), delta.classList.contains('down')];
  delta.classList.toggle('up', down);
  delta.classList.toggle('down', up);
}
