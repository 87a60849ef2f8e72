// The lifetime-value model applied in the stream: a customer's order history (values in cents) as
// the model's summary (currency units, days), and a customer_value_forecast row from its scores.
import type { ClvModelRow, CustomerForecastRow } from '../../core/result-rows.ts';
import { summaryAt, type CustomerSummary, type OrderHistory } from './customer-summary.ts';
import type { ClvModel, CustomerScore } from './model.ts';

/** The model the stream scores with, the observation end it was fitted at, and the predicted value's monthly discount. */
export interface ModelInForce {
  model: ClvModel;
  fittedAt: number;
  monthlyDiscount: number;
}

/** The summary of a history kept in cents, in currency units (the unit `clv fit` fits in). */
export function summaryOfHistory(history: OrderHistory, asOf: number): CustomerSummary {
  const s = summaryAt(history, asOf);
  return { ...s, avgRepeatOrderValue: s.avgRepeatOrderValue / 100 };
}

/** A score never sits before the customer's last order (the partition's watermark lags its newest events). */
export const observationEnd = (history: OrderHistory, watermark: number): number => Math.max(watermark, history.lastOrderAt);

const cents = (value: number) => Math.round(value * 100);

export function forecastRow(userId: bigint, summary: CustomerSummary, score: CustomerScore, asOf: number, fittedAt: number, sourcePartition: number, version: number): CustomerForecastRow {
  return {
    userId,
    asOf,
    frequency: summary.frequency,
    recencyDays: summary.recencyDays,
    ageDays: summary.ageDays,
    avgRepeatOrderValueCents: cents(summary.avgRepeatOrderValue),
    pAlive: score.pAlive,
    expectedOrders30d: score.expectedOrders30d,
    expectedOrders365d: score.expectedOrders365d,
    expectedOrderValueCents: cents(score.expectedOrderValue),
    predictedValue12mCents: cents(score.predictedValue12m),
    modelFittedAt: fittedAt,
    sourcePartition,
    version,
  };
}

export function modelRow(m: ClvModel, fittedAt: number, durationMs: number, source: ClvModelRow['source']): ClvModelRow {
  return {
    fittedAt,
    customers: m.customers,
    repeatCustomers: m.repeatCustomers,
    r: m.r,
    alpha: m.alpha,
    a: m.a,
    b: m.b,
    bgnbdLogLikelihood: m.bgNbdLogLikelihood,
    p: m.p,
    q: m.q,
    gamma: m.gamma,
    ggLogLikelihood: m.gammaGammaLogLikelihood,
    iterations: m.iterations,
    converged: m.converged,
    durationMs,
    source,
  };
}

/** The model a clv_models row describes (the one in force when the stream restarts). */
export function modelOfRow(row: ClvModelRow, monthlyDiscount: number): ModelInForce {
  const { r, alpha, a, b, p, q, gamma, iterations, converged, customers, repeatCustomers } = row;
  return {
    model: { r, alpha, a, b, p, q, gamma, iterations, converged, customers, repeatCustomers, bgNbdLogLikelihood: row.bgnbdLogLikelihood, gammaGammaLogLikelihood: row.ggLogLikelihood },
    fittedAt: row.fittedAt,
    monthlyDiscount,
  };
}
