// Revenue over time: one point per minute, or per the bucket the API chose for longer ranges,
// and the forecast's 95 % band and point beside them (forecast-band.js).
import { timeLabels } from '../format.js';
import { $ } from '../page.js';
import { forecastBand } from './forecast-band.js';

const BAND = '#f59e0b';

/** The chart's forecast datasets (point, 95 % low, 95 % high filled down to the low), made on first use. */
function forecastDatasets(chart) {
  if (chart.data.datasets.length === 1) {
    const line = { pointRadius: 0, borderWidth: 1.5, tension: 0.25, spanGaps: false };
    chart.data.datasets.push(
      { ...line, label: 'forecast', data: [], borderColor: BAND, borderDash: [6, 4], fill: false },
      { ...line, label: 'forecast 95 % low', data: [], borderColor: `${BAND}66`, borderWidth: 0, fill: false },
      { ...line, label: 'forecast 95 % high', data: [], borderColor: `${BAND}66`, borderWidth: 0, backgroundColor: `${BAND}33`, fill: '-1' },
    );
  }
  return chart.data.datasets.slice(1);
}

/** Points of { start, revenue } per `bucket` (minute, hour…), the latest forecast (or null), and the note beside the title. */
export function renderRevenue(chart, points, bucket, note, forecast = null) {
  const band = forecastBand(points, bucket, forecast);
  const starts = [...points.map((p) => p.start), ...(band?.starts ?? [])];
  chart.data.labels = timeLabels(starts);
  chart.data.datasets[0].data = points.map((p) => p.revenue);
  const [point, lo, hi] = forecastDatasets(chart);
  point.data = band?.point ?? [];
  lo.data = band?.lo95 ?? [];
  hi.data = band?.hi95 ?? [];
  chart.update();
  $('rpm-title').textContent = `Revenue per ${bucket}`;
  $('rpm-note').textContent = band ? `${note} · forecast from ${forecast.made_at.slice(0, 16).replace('T', ' ')} UTC (${forecast.model}), 95 % band` : note;
}
