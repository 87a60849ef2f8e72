// The forecaster on a worker thread of its own (a calibrated fit takes a second: never on the
// thread that consumes events and serves the dashboard).
import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker, WorkerCalls, type WorkerReply } from '../../core/worker-calls.ts';
import type { HourlyForecast, HourlyPoint } from '../../stream/forecast/index.ts';

export interface FitCall {
  id: number;
  points: HourlyPoint[];
  originMs: number;
  horizon: number;
}
export type FitReply = WorkerReply & { forecast?: HourlyForecast };

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

  async fit(points: HourlyPoint[], originMs: number, horizon: number): Promise<HourlyForecast> {
    const reply = await this.calls.call({ points, originMs, horizon } satisfies Omit<FitCall, 'id'>);
    return reply.forecast!;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
