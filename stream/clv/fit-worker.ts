// The worker side of ClvFitThread: fits both models and scores every customer.
import { parentPort } from 'node:worker_threads';
import { answer } from '../../core/worker-calls.ts';
import { SCORE_FIELDS, unpackSummaries, type FitCall, type FitOutcome, type FitReply } from './fit-thread.ts';
import { fitClvModel, scoreCustomer } from './model.ts';

function fitAndScore(call: FitCall): FitOutcome {
  const started = performance.now();
  const summaries = unpackSummaries(call.summaries);
  const fit = fitClvModel(summaries);
  if (!fit.ok) return { ok: false, reason: fit.reason, durationMs: Math.round(performance.now() - started) };
  const scores = new Float64Array(summaries.length * SCORE_FIELDS);
  summaries.forEach((summary, i) => {
    const s = scoreCustomer(fit.model, summary, { monthlyDiscount: call.monthlyDiscount });
    scores.set([s.pAlive, s.expectedOrders30d, s.expectedOrders365d, s.expectedOrderValue, s.predictedValue12m], i * SCORE_FIELDS);
  });
  return { ok: true, model: fit.model, scores, durationMs: Math.round(performance.now() - started) };
}

parentPort!.on('message', (call: FitCall & { id: number }) => {
  void answer(call.id, async () => ({ outcome: fitAndScore(call) })).then((reply: FitReply) => {
    const transfer = reply.outcome?.ok ? [reply.outcome.scores.buffer as ArrayBuffer] : [];
    parentPort!.postMessage(reply, transfer);
  });
});
