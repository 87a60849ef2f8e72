// Alerts: a banner under the header while any alert fires (each rule and its summary), and the
// history panel of state changes, newest first, from GET /api/alerts. Rules, labels and
// summaries are shown as text, never markup.
import { api } from '../api.js';
import { $ } from '../page.js';
import { fillTable } from '../table.js';
import { throttled } from '../throttle.js';

const STATE_CLASS = { firing: 'bad', pending: 'warn', resolved: 'good', inactive: '' };
const when = (iso) => iso.slice(0, 19).replace('T', ' ');

/** An answer of GET /api/alerts on the page. */
export function renderAlerts({ firing, history }) {
  const banner = $('alert-banner');
  banner.hidden = firing.length === 0;
  banner.textContent = firing.length === 0 ? '' : `${firing.length} alert${firing.length > 1 ? 's' : ''} firing: ${firing.map((a) => `${a.rule}: ${a.summary}`).join(' · ')}`;
  const rows = history.map((a) => [[when(a.changed_at)], [a.rule], [a.state, STATE_CLASS[a.state]], [a.summary], [a.notified.join(', ') || '–']]);
  fillTable($('alerts-table').tBodies[0], rows, 5, 'no alert so far');
  $('alerts-note').textContent = 'pipeline rules in wall-clock time, business rules in event time';
}

/** The refresh of the banner and the panel. */
export function alertsPanel() {
  return throttled(async () => renderAlerts(await api('alerts', { limit: 50 })), 1000);
}
