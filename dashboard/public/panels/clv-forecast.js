/* global document */
// Future value (the BG/NBD + Gamma-Gamma scores): customers at risk (high past revenue, P(alive)
// below 0.5), the top predicted value over 12 months, the distribution of P(alive) and the model
// card. Until a model is fitted, each says so.
import { api } from '../api.js';
import { setData } from '../charts.js';
import { fmtCount, fmtMoney, fmtPct } from '../format.js';
import { $ } from '../page.js';
import { fillTable } from '../table.js';
import { throttled } from '../throttle.js';

const NO_MODEL = 'no model fitted yet';
const ROWS = 20;

const orders = (v) => v.toFixed(2);
/** "2019-10-07 12:00" of an ISO time (UTC). */
const minute = (iso) => iso.slice(0, 16).replace('T', ' ');
const figure = (v, digits = 4) => (v === null ? '–' : Number(v.toPrecision(digits)).toString());

function customerRows(customers) {
  return customers.map((c, i) => [
    [String(i + 1)],
    [c.user_id],
    [fmtMoney(c.past_revenue), 'num'],
    [fmtPct(c.p_alive), 'num'],
    [orders(c.expected_orders_365d), 'num'],
    [fmtMoney(c.predicted_value_12m), 'num'],
  ]);
}

/** A term and its value in the model card. */
function entry(term, value) {
  const div = document.createElement('div');
  const dt = document.createElement('dt');
  const dd = document.createElement('dd');
  dt.textContent = term;
  dd.textContent = value;
  div.append(dt, dd);
  return div;
}

function evaluationText(e) {
  if (!e) return 'no evaluation yet';
  return `${minute(e.calibration_end)} → ${minute(e.holdout_end)}: ${e.total_predicted.toFixed(1)} predicted vs ${fmtCount(e.total_actual)} actual repeat orders, MAE ${figure(e.mean_absolute_error, 3)} (${fmtCount(e.customers)} customers)`;
}

function renderModelCard({ model, evaluation }) {
  const card = $('clv-model');
  if (!model) {
    card.replaceChildren(entry('model', NO_MODEL), entry('last evaluation', evaluationText(evaluation)));
    return;
  }
  card.replaceChildren(
    entry('fitted at (event time)', `${minute(model.fitted_at)} · ${model.source}`),
    entry('customers', `${fmtCount(model.customers)} (${fmtCount(model.repeat_customers)} repeat)`),
    entry('BG/NBD r, α, a, b', [model.r, model.alpha, model.a, model.b].map((v) => figure(v)).join(', ')),
    entry('Gamma-Gamma p, q, γ', [model.p, model.q, model.gamma].map((v) => figure(v)).join(', ')),
    entry('log-likelihoods', `${figure(model.bgnbd_log_likelihood, 6)} · ${figure(model.gg_log_likelihood, 6)}`),
    entry('fit', `${model.converged ? 'converged' : 'not converged'} · ${fmtCount(model.iterations)} iterations · ${fmtCount(model.duration_ms)} ms`),
    entry('last evaluation', evaluationText(evaluation)),
  );
}

/** The refresh of the section, drawing the P(alive) distribution into `chart`. */
export function clvForecastPanel(chart) {
  async function refreshNow() {
    const [card, atRisk, top, bins] = await Promise.all([
      api('clv/model'),
      api('clv/at-risk', { limit: ROWS }),
      api('clv/top-value', { limit: ROWS }),
      api('clv/p-alive'),
    ]);
    const fitted = card.model !== null;
    renderModelCard(card);
    fillTable($('clv-at-risk-table').tBodies[0], customerRows(atRisk), 6, fitted ? 'no customers at risk' : NO_MODEL);
    fillTable($('clv-top-value-table').tBodies[0], customerRows(top), 6, fitted ? 'no customers scored yet' : NO_MODEL);
    chart.$bins = bins;
    setData(chart, bins.map((b) => `${b.lower.toFixed(1)}–${b.upper.toFixed(1)}`), bins.map((b) => b.customers));
    $('clv-p-alive-note').textContent = fitted ? `${fmtCount(bins.reduce((n, b) => n + b.customers, 0))} customers scored` : NO_MODEL;
  }
  return throttled(refreshNow, 3000);
}
