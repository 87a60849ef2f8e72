// Customer lifetime value: the top-20 table and the distribution of lifetime revenue.
import { api } from '../api.js';
import { setData } from '../charts.js';
import { fmtCount, fmtMoney } from '../format.js';
import { $ } from '../page.js';
import { throttled } from '../throttle.js';

function renderBuckets(chart, buckets) {
  const short = (v) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : v.toFixed(0));
  setData(chart, buckets.map((b) => `${short(b.lower)}–${short(b.upper)}`), buckets.map((b) => b.users));
}

/** The refresh of the table and of the distribution drawn into `chart`. */
export function clvPanel(chart) {
  async function refreshNow() {
    const [leaders, buckets] = await Promise.all([api('clv/leaderboard', { limit: 20 }), api('clv/distribution', { buckets: 12 })]);
    const body = $('clv-table').tBodies[0];
    body.innerHTML = leaders.length
      ? leaders
          .map(
            (c, i) =>
              `<tr><td>${i + 1}</td><td>${c.user_id}</td><td class="num">${fmtMoney(c.revenue)}</td><td class="num">${fmtCount(c.orders)}</td>` +
              `<td class="num">${fmtCount(c.purchases)}</td><td class="num">${fmtMoney(c.avg_order_value)}</td><td>${c.last_purchase_at.replace('T', ' ').replace('Z', '')}</td></tr>`,
          )
          .join('')
      : '<tr><td colspan="7" class="empty">no purchases yet</td></tr>';
    renderBuckets(chart, buckets);
  }
  return throttled(refreshNow, 3000);
}
