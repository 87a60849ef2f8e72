// clv fit [--as-of TIME] and clv evaluate --calibration-end T1 --holdout-end T2: the predictive
// lifetime value models (stream/clv: BG/NBD and Gamma-Gamma, times in days) fitted on the store's
// orders (aggregates/clv-orders.ts), the fit stored in clv_models (source 'cli') and each
// evaluation's summary in clv_evaluations. Beside a running `start` in embedded mode the orders
// are read through its query endpoint, as `sql` reads, and nothing is stored (clv-store.ts).
import { performance } from 'node:perf_hooks';
import type { Config } from '../../core/config.ts';
import type { ClvModelRow } from '../../core/result-rows.ts';
import { ConfigError } from '../../core/settings.ts';
import { isoMillisOfMs } from '../../core/time-format.ts';
import { customerOrdersOf, customerOrdersStatement, newestEventOf, newestEventStatement } from '../../aggregates/clv-orders.ts';
import { clvModelRecord, writeClvModels, type ClvModelRecord } from '../../aggregates/clv-model-writer.ts';
import { writeClvEvaluation, type ClvEvaluationRecord } from '../../aggregates/clv-evaluations.ts';
import { fitClvModel, type ClvModel } from '../../stream/clv/model.ts';
import { MS_PER_DAY, summarise, type CustomerSummary } from '../../stream/clv/customer-summary.ts';
import { evaluateClv, type HoldoutCustomer } from '../../stream/clv/evaluate.ts';
import { openClvStore, type ClvStoreAccess } from './clv-store.ts';

/** What a command did besides its answer: undefined when stored, else why not. */
export interface ClvOutcome<T> {
  result: T;
  notStored?: string;
}

/** A clv evaluation's report: the stored summary, the holdout's length and the model fitted on the calibration period. */
export type ClvEvaluationReport = Omit<ClvEvaluationRecord, 'model_fitted_at' | 'r' | 'alpha' | 'a' | 'b'> & { holdout_days: number; model: ClvModelRecord };

/** Each purchasing customer's summary at `asOf` (ms), of the orders before it. */
async function summariesAt(access: ClvStoreAccess, database: string, asOf: number): Promise<Map<string, CustomerSummary>> {
  const summaries = new Map<string, CustomerSummary>();
  for await (const customer of customerOrdersOf(access.read(customerOrdersStatement(database, asOf)))) summaries.set(customer.userId, summarise(customer.orders, asOf));
  return summaries;
}

/** Both models fitted on the summaries at `asOf`, as a clv_models row; a degenerate fit is an error that says why. */
function fittedRow(summaries: readonly CustomerSummary[], asOf: number): { row: ClvModelRow; model: ClvModel } {
  const started = performance.now();
  const fit = fitClvModel(summaries);
  const durationMs = performance.now() - started;
  if (!fit.ok) throw new Error(`no model fits the orders before ${isoMillisOfMs(asOf)}: ${fit.reason}; nothing stored`);
  const { model } = fit;
  const row: ClvModelRow = {
    fittedAt: asOf,
    customers: model.customers,
    repeatCustomers: model.repeatCustomers,
    r: model.r,
    alpha: model.alpha,
    a: model.a,
    b: model.b,
    bgnbdLogLikelihood: model.bgNbdLogLikelihood,
    p: model.p,
    q: model.q,
    gamma: model.gamma,
    ggLogLikelihood: model.gammaGammaLogLikelihood,
    iterations: model.iterations,
    converged: model.converged,
    durationMs,
    source: 'cli',
  };
  return { row, model };
}

/** The stored summary of a report: the model by its observation end and BG/NBD parameters. */
function evaluationRecord(report: ClvEvaluationReport): ClvEvaluationRecord {
  const { model } = report;
  return {
    evaluated_at: report.evaluated_at,
    calibration_end: report.calibration_end,
    holdout_end: report.holdout_end,
    customers: report.customers,
    total_predicted: report.total_predicted,
    total_actual: report.total_actual,
    mean_absolute_error: report.mean_absolute_error,
    model_fitted_at: model.fitted_at,
    r: model.r,
    alpha: model.alpha,
    a: model.a,
    b: model.b,
    by_frequency: report.by_frequency,
  };
}

async function withClvStore<T>(config: Config, run: (access: ClvStoreAccess) => Promise<T>): Promise<T> {
  const access = await openClvStore(config);
  try {
    return await run(access);
  } finally {
    await access.close();
  }
}

/** Fits both models on the purchases before `asOf` (default: the newest event time) and stores the fit. */
export function clvFit(config: Config, options: { asOf?: number } = {}): Promise<ClvOutcome<ClvModelRecord>> {
  return withClvStore(config, async (access) => {
    const asOf = options.asOf ?? (await newestEventOf(access.read(newestEventStatement(config.namespace))));
    if (asOf === undefined) throw new Error('the store holds no events: run `backfill` or `start` first, or give --as-of');
    const summaries = await summariesAt(access, config.namespace, asOf);
    const { row } = fittedRow([...summaries.values()], asOf);
    if ('reason' in access.writable) return { result: clvModelRecord(row), notStored: access.writable.reason };
    await writeClvModels(access.writable.store, [row]);
    return { result: clvModelRecord(row) };
  });
}

/**
 * Fits on the orders before `calibrationEnd` and compares each calibration customer's predicted
 * orders over the holdout [calibrationEnd, holdoutEnd) with the orders they placed in it (an
 * order's time is its first purchase's); stores the summary.
 */
export function clvEvaluate(config: Config, options: { calibrationEnd: number; holdoutEnd: number }): Promise<ClvOutcome<ClvEvaluationReport>> {
  const { calibrationEnd, holdoutEnd } = options;
  if (!(holdoutEnd > calibrationEnd)) throw new ConfigError('--holdout-end', `${isoMillisOfMs(holdoutEnd)} must come after --calibration-end ${isoMillisOfMs(calibrationEnd)}`);
  return withClvStore(config, async (access) => {
    const calibration = await summariesAt(access, config.namespace, calibrationEnd);
    const { row, model } = fittedRow([...calibration.values()], calibrationEnd);
    const holdoutOrders = new Map<string, number>();
    for await (const customer of customerOrdersOf(access.read(customerOrdersStatement(config.namespace, holdoutEnd)))) {
      if (calibration.has(customer.userId)) holdoutOrders.set(customer.userId, customer.orders.filter((o) => o.at >= calibrationEnd).length);
    }
    const customers: HoldoutCustomer[] = [...calibration].map(([userId, summary]) => ({ summary, holdoutOrders: holdoutOrders.get(userId) ?? 0 }));
    const evaluation = evaluateClv(model, customers, (holdoutEnd - calibrationEnd) / MS_PER_DAY);
    const result: ClvEvaluationReport = {
      evaluated_at: isoMillisOfMs(Date.now()),
      calibration_end: isoMillisOfMs(calibrationEnd),
      holdout_end: isoMillisOfMs(holdoutEnd),
      holdout_days: evaluation.holdoutDays,
      customers: evaluation.customers,
      total_predicted: evaluation.totalPredicted,
      total_actual: evaluation.totalActual,
      mean_absolute_error: evaluation.meanAbsoluteError,
      by_frequency: evaluation.byFrequency.map((g) => ({
        calibration_repeat_orders: g.calibrationRepeatOrders,
        customers: g.customers,
        mean_predicted: g.meanPredicted,
        mean_actual: g.meanActual,
      })),
      model: clvModelRecord(row),
    };
    if ('reason' in access.writable) return { result, notStored: access.writable.reason };
    await writeClvEvaluation(access.writable.store, evaluationRecord(result));
    return { result };
  });
}
