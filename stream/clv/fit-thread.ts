// The lifetime-value refit off the event path: a worker thread fits both models on the customers'
// summaries and scores every customer with the result, so neither the fit nor the rescoring of
// every customer holds up the aggregator's thread. Summaries go over as one packed array each way.
import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker, WorkerCalls, type WorkerReply } from '../../core/worker-calls.ts';
import type { CustomerSummary } from './customer-summary.ts';
import type { ClvModel, CustomerScore } from './model.ts';

const WORKER = siblingModule('fit-worker', import.meta.url);

/** frequency, recencyDays, ageDays, avgRepeatOrderValue per customer. */
export const SUMMARY_FIELDS = 4;
/** pAlive, expectedOrders30d, expectedOrders365d, expectedOrderValue, predictedValue12m per customer. */
export const SCORE_FIELDS = 5;

export interface FitCall {
  method: 'fit';
  summaries: Float64Array;
  monthlyDiscount: number;
}

export type FitOutcome = ({ ok: true; model: ClvModel; scores: Float64Array } | { ok: false; reason: string }) & { durationMs: number };

export type FitReply = WorkerReply & { outcome?: FitOutcome };

export function packSummaries(summaries: readonly CustomerSummary[]): Float64Array {
  const packed = new Float64Array(summaries.length * SUMMARY_FIELDS);
  summaries.forEach((s, i) => packed.set([s.frequency, s.recencyDays, s.ageDays, s.avgRepeatOrderValue], i * SUMMARY_FIELDS));
  return packed;
}

export function unpackSummaries(packed: Float64Array): CustomerSummary[] {
  const out: CustomerSummary[] = [];
  for (let i = 0; i < packed.length; i += SUMMARY_FIELDS) out.push({ frequency: packed[i]!, recencyDays: packed[i + 1]!, ageDays: packed[i + 2]!, avgRepeatOrderValue: packed[i + 3]! });
  return out;
}

export function scoreAt(scores: Float64Array, i: number): CustomerScore {
  const at = i * SCORE_FIELDS;
  return { pAlive: scores[at]!, expectedOrders30d: scores[at + 1]!, expectedOrders365d: scores[at + 2]!, expectedOrderValue: scores[at + 3]!, predictedValue12m: scores[at + 4]! };
}

/** The worker thread, started at the first fit. */
export class ClvFitThread {
  private worker: Worker | undefined;
  private calls: WorkerCalls<FitReply> | undefined;

  async fit(summaries: readonly CustomerSummary[], monthlyDiscount: number): Promise<FitOutcome> {
    const calls = this.start();
    const packed = packSummaries(summaries);
    const reply = await calls.call({ method: 'fit', summaries: packed, monthlyDiscount } satisfies Omit<FitCall, 'id'>);
    return reply.outcome!;
  }

  private start(): WorkerCalls<FitReply> {
    if (this.calls) return this.calls;
    const worker = startWorker(WORKER, {});
    const calls = new WorkerCalls<FitReply>(worker);
    worker.on('message', (reply: FitReply) => calls.settle(reply));
    worker.on('error', (err) => calls.end(err));
    worker.on('exit', (code) => calls.end(new Error(`the lifetime-value fit thread exited with code ${code}`)));
    // An idle fit thread does not keep the process alive.
    worker.unref();
    this.worker = worker;
    this.calls = calls;
    return calls;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
    this.calls = undefined;
  }
}
