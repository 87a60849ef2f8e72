// The range and filters chosen in the controls: as API query parameters, or as a span of the live
// state when that state can answer them.
import { feed } from './feed.js';

export const view = { range: '1h', from: '', to: '', brand: '', category: '' };
/** Lengths of the relative ranges; `today` and custom ones are resolved by the server. */
const RANGE_MS = { '15m': 15 * 60_000, '1h': 60 * 60_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 86_400_000 };
export const RANGE_TEXT = { '15m': 'latest 15 minutes', '1h': 'latest hour', '6h': 'latest 6 hours', today: 'today so far', '24h': 'latest 24 hours', '7d': 'latest 7 days', custom: 'custom range' };

export const custom = () => view.range === 'custom';
export const filtered = () => view.brand !== '' || view.category !== '';

/** The custom range as ISO times (the inputs are UTC wall-clock times); {} outside custom mode. */
function span() {
  if (!custom() || !view.from || !view.to) return {};
  return { from: `${view.from}:00Z`, to: `${view.to}:00Z` };
}
export const rangeQuery = () => (custom() ? span() : { span: view.range });
export const filterQuery = () => ({ brand: view.brand, category: view.category });

/** The range of the tiles: the very range the charts show while they come from the live state. */
export function tileRange() {
  const ls = liveSpan();
  return ls ? { from: new Date(ls.from).toISOString(), to: new Date(ls.to).toISOString() } : rangeQuery();
}

/**
 * [from, to) of the range in the live state when the state can answer it (a relative range it
 * holds entirely, no filter), else null: then the charts come from the API.
 */
export function liveSpan() {
  const length = RANGE_MS[view.range];
  if (!feed.live || !feed.ready || custom() || filtered() || !length) return null;
  const end = feed.sales.newestEnd();
  if (end === null || !feed.sales.covers(end - length)) return null;
  return { from: end - length, to: end };
}
