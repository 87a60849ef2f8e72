// Revenue over time: one point per minute, or per the bucket the API chose for longer ranges.
import { setData } from '../charts.js';
import { timeLabels } from '../format.js';
import { $ } from '../page.js';

/** Points of { start, revenue } per `bucket` (minute, hour…), and the note beside the title. */
export function renderRevenue(chart, points, bucket, note) {
  setData(chart, timeLabels(points.map((p) => p.start)), points.map((p) => p.revenue));
  $('rpm-title').textContent = `Revenue per ${bucket}`;
  $('rpm-note').textContent = note;
}
