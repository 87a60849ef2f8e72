/* global EventSource */
// The SSE stream (/api/stream): its `init` snapshot and `sales` rows merged into the live sales
// state, its `session` closes, its `health` samples, and the status line while it connects.
import { api, streamUrl } from './api.js';
import { LiveSales } from './live.js';
import { setStatus, showError } from './page.js';

/** What the stream has delivered so far. */
export const feed = {
  live: false, // the stream carries this process's emissions
  ready: false, // an init snapshot has arrived
  sales: new LiveSales(),
};

/**
 * Opens the stream: onInit() after each snapshot, onSales(update) once its rows are merged,
 * onSession() when sessions close, onHealth(sample).
 */
export function subscribe({ onInit, onSales, onSession, onHealth }) {
  const es = new EventSource(streamUrl());
  es.addEventListener('open', () => setStatus(feed.live ? 'live' : 'connecting', feed.live ? 'live' : 'connected'));
  es.addEventListener('init', (e) => {
    const init = JSON.parse(e.data);
    feed.live = init.live;
    feed.ready = true;
    feed.sales.reset(init.rows, init.live_windows);
    setStatus(feed.live ? 'live' : 'polling', feed.live ? 'live' : 'polling every 5 s');
    onInit();
  });
  es.addEventListener('sales', (e) => {
    const update = JSON.parse(e.data);
    feed.sales.apply(update.rows);
    onSales(update);
  });
  es.addEventListener('session', () => onSession());
  es.addEventListener('health', (e) => onHealth(JSON.parse(e.data)));
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) api('funnel').then(() => setStatus('error', 'stream closed'), showError);
    else setStatus('connecting', 'reconnecting…');
  });
}
