// Cart abandonment per hour of session end: the rate of each hour of the range.
import { setData } from '../charts.js';
import { timeLabels } from '../format.js';
import { $ } from '../page.js';

/** The hours of an abandonment answer ({ hour, abandonment_rate, … }) and the note beside the title. */
export function renderAbandonmentHourly(chart, hours, note) {
  chart.$hours = hours;
  setData(chart, timeLabels(hours.map((h) => h.hour)), hours.map((h) => h.abandonment_rate));
  $('abandonment-note').textContent = note;
}
