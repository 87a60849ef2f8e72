// The KPI tiles: revenue, orders, buyers, average order value and conversion of the chosen range,
// each with its change against the range before, and the line naming both ranges.
import { api } from '../api.js';
import { fmtCount, fmtMoney, fmtMoneyShort, fmtPct } from '../format.js';
import { $ } from '../page.js';
import { throttled } from '../throttle.js';
import { RANGE_TEXT, filterQuery, filtered, tileRange, view } from '../view.js';

/** "▲ 12.3% vs …" in green, "▼" in red; for the conversion rate the change in percentage points. */
export function renderDelta(el, change, pointsDiff) {
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

/**
 * The revenue tile's line against the forecast made before the range, when one covers it (the
 * forecast is store-wide: none with a brand or category filter).
 */
async function renderAgainstForecast(el, k) {
  const f = k.from === null || filtered() ? null : await api('forecast', { from: k.from, to: k.to }).catch(() => null);
  if (!f?.made_at || f.total.revenue <= 0) return void (el.textContent = '');
  const change = k.current.revenue / f.total.revenue - 1;
  el.textContent = `${change > 0 ? '▲' : change < 0 ? '▼' : '='} ${fmtPct(Math.abs(change))} against forecast ${fmtMoneyShort(f.total.revenue)}`;
}

async function refreshKpisNow() {
  const k = await api('kpis', { ...tileRange(), ...filterQuery() });
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
  await renderAgainstForecast($('kpi-revenue').querySelector('.detail'), k);
  if (k.from === null) {
    $('range-text').textContent = 'event time: waiting for data…';
    $('range-compare').textContent = '';
    return;
  }
  $('range-text').textContent = `${RANGE_TEXT[view.range]}: ${fmtRange(k.from, k.to)}${filtered() ? ' · filtered' : ''}`;
  $('range-compare').textContent = `changes against ${fmtRange(k.previous_from, k.previous_to)}`;
}
export const refreshKpis = throttled(refreshKpisNow, 1000);
