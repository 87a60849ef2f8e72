// The forecaster on a worker thread of its own (augurs' fits take a tenth of a second and more:
// never on the thread that consumes events and serves the dashboard).
import type { Worker } from 'node:worker_threads';
import type { HourlySales, RevenueForecast } from '../../aggregates/forecast-queries.ts';
import { siblingModule, startWorker, WorkerCalls, type WorkerReply } from '../../core/worker-calls.ts';

export interface FitCall {
  id: number;
  sales: HourlySales[];
  originMs: number;
  horizon: number;
}
export type FitReply = WorkerReply & { forecast?: RevenueForecast };

const WORKER = siblingModule('forecast-worker', import.meta.url);

export class ForecastThread {
  private readonly worker: Worker;
  private readonly calls: WorkerCalls<FitReply>;

  constructor() {
    this.worker = startWorker(WORKER, {});
    this.calls = new WorkerCalls(this.worker);
    this.worker.on('message', (reply: FitReply) => this.calls.settle(reply));
    this.worker.on('error', (err) => this.calls.end(err));
    this.worker.on('exit', (code) => this.calls.end(new Error(`the forecast thread exited (code ${code})`)));
    // An idle forecaster keeps no process alive.
    this.worker.unref();
  }

  async fit(sales: HourlySales[], originMs: number, horizon: number): Promise<RevenueForecast> {
    const reply = await this.calls.call({ sales, originMs, horizon } satisfies Omit<FitCall, 'id'>);
    return reply.forecast!;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
