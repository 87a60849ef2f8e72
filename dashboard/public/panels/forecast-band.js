// The revenue forecast beside the actuals of the revenue chart: the forecast's hours (GET
// /api/forecast) laid on the chart's buckets, per bucket (an hour's forecast spread evenly over
// its minutes on a minute chart), over the chart's own points and, when the forecast goes on from
// where the chart ends (the chart shows the newest data), the coming ones after them: at most as
// many as the chart has (the actuals stay readable).
const HOUR_MS = 3_600_000;
const BUCKET_MS = { minute: 60_000, hour: HOUR_MS };

/**
 * { starts: the coming buckets' ISO starts, point, lo95, hi95: one entry per chart point and
 * coming bucket (null where the forecast has no hour) }, or null without a forecast.
 */
export function forecastBand(points, bucket, forecast) {
  const bucketMs = BUCKET_MS[bucket];
  if (!forecast?.hours?.length || !bucketMs || points.length === 0) return null;
  const byHour = new Map(forecast.hours.map((h) => [Date.parse(h.hour), h.revenue]));
  const lastHour = Date.parse(forecast.hours[forecast.hours.length - 1].hour);
  const last = Date.parse(points[points.length - 1].start);
  const continues = Date.parse(forecast.hours[0].hour) <= last + bucketMs;
  const starts = [];
  for (let t = last + bucketMs; continues && t < lastHour + HOUR_MS && starts.length < points.length; t += bucketMs) starts.push(new Date(t).toISOString());
  const share = bucketMs / HOUR_MS;
  const at = (iso, key) => {
    const band = byHour.get(Math.floor(Date.parse(iso) / HOUR_MS) * HOUR_MS);
    return band ? band[key] * share : null;
  };
  const all = [...points.map((p) => p.start), ...starts];
  const point = all.map((s) => at(s, 'point'));
  // A range the forecast does not reach (an earlier day): no band.
  if (point.every((v) => v === null)) return null;
  return { starts, point, lo95: all.map((s) => at(s, 'lo95')), hi95: all.map((s) => at(s, 'hi95')) };
}
