// The worker side of ForecastThread: fits off the main thread, so a fit never holds up ingestion
// or the dashboard.
import { parentPort } from 'node:worker_threads';
import { answer } from '../../core/worker-calls.ts';
import { forecastHourly } from '../../stream/forecast/index.ts';
import type { FitCall, FitReply } from './forecast-thread.ts';

parentPort!.on('message', (call: FitCall) => {
  void answer(call.id, async () => ({ forecast: forecastHourly(call.points, call.originMs, { horizon: call.horizon }) })).then((reply) =>
    parentPort!.postMessage(reply satisfies FitReply),
  );
});
