// Pipeline health, from the stream's `health` samples: the components' states, event time and
// its speed, rates, lags and counts.
import { fmtCount, fmtDuration, fmtTime } from '../format.js';
import { $ } from '../page.js';

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One row per component; any not running is shown in red with since when and why. */
function componentRows(components) {
  return Object.entries(components ?? {}).map(([name, c]) => {
    const since = new Date(c.since).toISOString().slice(5, 19).replace('T', ' ');
    const text = c.state === 'running' ? 'running' : `${c.state} since ${since}${c.reason ? `: ${c.reason}` : ''}`;
    return `<div class="component ${c.state}"><dt>${escapeHtml(name)}</dt><dd title="${escapeHtml(text)}">${escapeHtml(text)}</dd></div>`;
  });
}

// Event-time speed from the health samples of the last half minute: about ×1,440 while a day is
// replayed per minute, ×1 when live.
const reachedSamples = [];
function eventTimeSpeed(reached) {
  const now = Date.now();
  if (reached !== null) reachedSamples.push([now, reached]);
  while (reachedSamples.length > 2 && now - reachedSamples[0][0] > 30_000) reachedSamples.shift();
  if (reachedSamples.length < 2) return null;
  const [[t0, r0], [t1, r1]] = [reachedSamples[0], reachedSamples[reachedSamples.length - 1]];
  return t1 > t0 ? (r1 - r0) / (t1 - t0) : null;
}
const fmtSpeed = (x) => (x === null ? '–' : x <= 0 ? 'paused' : `×${x >= 10 ? fmtCount(Math.round(x)) : x.toFixed(1)}`);

export function renderHealth({ pipeline: p, store, components, eventTime: et }) {
  const millis = (ms) => (ms === null ? '–' : `${fmtCount(Math.round(ms))} ms`);
  const speed = eventTimeSpeed(et?.reached ?? null);
  const rows = p
    ? [
        ['event time reached', fmtTime(et.reached)],
        ['newest event', fmtTime(et.newest)],
        ['event-time lag', fmtDuration(et.lagMs)],
        ['event-time speed', fmtSpeed(speed)],
        // Only when event time is near now: for replayed 2019 data it would say how old the data is.
        ...(et.wallClockDelayMs === null ? [] : [['wall-clock delay', fmtDuration(et.wallClockDelayMs)]]),
        ['ingest rate', `${fmtCount(p.eventsInPerSecond)} events/s`],
        ['consumer lag', `${fmtCount(Object.values(p.consumerLag).reduce((a, b) => a + b, 0))} events`],
        ['rows out', `${fmtCount(p.rowsOutPerSecond)} /s`],
        ['late events', fmtCount(store.late)],
        ['rejected rows', fmtCount(store.rejected)],
        ['latency p50', millis(p.latencyMs.p50)],
        ['latency p99', millis(p.latencyMs.p99)],
        ['events processed', fmtCount(p.eventsTotal)],
        ['open windows', fmtCount(p.openWindows)],
        ['customers', fmtCount(p.customers)],
      ]
    : [
        ['newest event', fmtTime(et?.newest ?? null)],
        ['late events', fmtCount(store.late)],
        ['rejected rows', fmtCount(store.rejected)],
      ];
  $('health').innerHTML = [...componentRows(components), ...rows.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`)].join('');
  $('health-note').textContent = p ? 'every 2 s' : 'no aggregator in this process';
}
