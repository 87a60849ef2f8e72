// The formatters the panels share: money, counts, percentages, durations, times and product names.
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
const hhmm = (iso) => iso.slice(11, 16);
/** "MM-DD HH:MM" when a series spans more than a day. */
const dayHhmm = (iso) => `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
/** Axis labels of a series' ISO times: "HH:MM", with the day when the series spans more than one. */
export function timeLabels(isos) {
  const multiDay = isos.length > 1 && isos[0].slice(0, 10) !== isos[isos.length - 1].slice(0, 10);
  return isos.map((iso) => (multiDay ? dayHhmm(iso) : hhmm(iso)));
}
/** "YYYY-MM-DD HH:MM:SS" of epoch ms, UTC. */
export const fmtTime = (ms) => (ms === null || ms === undefined ? '–' : new Date(ms).toISOString().slice(0, 19).replace('T', ' '));
/** Money without cents past 10k, with k/M past a million: for the tiles. */
export function fmtMoneyShort(v) {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (Math.abs(v) >= 1e4) return count.format(Math.round(v));
  return money.format(v);
}
/** What a product is called: brand, category code (when known) and id. */
export function productLabel(p) {
  return [p.brand || 'no brand', p.category_code, `#${p.product_id}`].filter(Boolean).join(' · ');
}
