// The worker side of ConnectorThread: one Connector, driven by messages.
import { parentPort, workerData } from 'node:worker_threads';
import { logger } from '../core/logger.ts';
import { Connector } from './index.ts';
import type { ConnectorCall, ConnectorReply, ConnectorStatusMessage, ConnectorThreadData } from './connector-thread.ts';

const data = workerData as ConnectorThreadData;
const connector = new Connector(data.config, logger, { inbox: data.inbox, batchRows: data.batchRows });

connector.status.onChange((status) => parentPort!.postMessage({ status } satisfies ConnectorStatusMessage));

async function answer(call: ConnectorCall): Promise<ConnectorReply> {
  try {
    const value = call.method === 'takeFile' ? await connector.takeFile(call.path, { inPlace: call.inPlace }) : await connector[call.method]();
    return { id: call.id, ok: true, value: value ?? undefined, results: connector.results, failed: connector.failed };
  } catch (err) {
    const e = err as Error;
    return { id: call.id, ok: false, error: { name: e.name, message: e.message } };
  }
}

parentPort!.on('message', (call: ConnectorCall) => {
  void answer(call).then((reply) => parentPort!.postMessage(reply));
});
