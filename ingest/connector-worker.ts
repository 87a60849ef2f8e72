// The worker side of ConnectorThread: one Connector, driven by messages.
import { parentPort, workerData } from 'node:worker_threads';
import { logger } from '../core/logger.ts';
import { answer } from '../core/worker-calls.ts';
import { Connector } from './index.ts';
import type { ConnectorAnswer, ConnectorCall, ConnectorReply, ConnectorStatusMessage, ConnectorThreadData, ConnectorTotalsMessage } from './connector-thread.ts';

const data = workerData as ConnectorThreadData;
const connector = new Connector(data.config, logger, { inbox: data.inbox, batchRows: data.batchRows });

connector.status.onChange((status) => parentPort!.postMessage({ status } satisfies ConnectorStatusMessage));
connector.totals.onChange((totals) => parentPort!.postMessage({ totals } satisfies ConnectorTotalsMessage));

async function run(call: ConnectorCall): Promise<Pick<ConnectorAnswer, 'value'>> {
  const value = call.method === 'takeFile' ? await connector.takeFile(call.path, { inPlace: call.inPlace }) : await connector[call.method]();
  return { value: value ?? undefined };
}

/** How many results and failures the thread has: a reply carries only the new ones, not all again after every file. */
const sent = { results: 0, failed: 0 };

function news(): Omit<ConnectorAnswer, 'value'> {
  const fresh = { results: connector.results.slice(sent.results), failed: connector.failed.slice(sent.failed) };
  sent.results = connector.results.length;
  sent.failed = connector.failed.length;
  return fresh;
}

parentPort!.on('message', (call: ConnectorCall) => {
  void answer(call.id, () => run(call)).then((reply) => parentPort!.postMessage({ ...reply, ...news() } satisfies ConnectorReply));
});
