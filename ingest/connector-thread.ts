// The connector on a worker thread: parsing, validation and Avro encoding take the second core
// while the aggregator keeps the first. Same methods as Connector, answered by message passing.
import { Worker, type MessagePort } from 'node:worker_threads';
import { ComponentStatus, type ComponentStatusView } from '../core/component-status.ts';
import type { Config } from '../core/config.ts';
import { logPortForWorker } from '../core/logger.ts';
import type { ConnectorOptions } from './index.ts';
import type { FileResult } from './file-ingestor.ts';

export type ConnectorRequest =
  | { method: 'open' | 'watch' | 'drainInbox' | 'close' | 'whenIdle' }
  | { method: 'takeFile'; path: string; inPlace: boolean };
export type ConnectorCall = ConnectorRequest & { id: number };

export type ConnectorReply =
  | { id: number; ok: true; value?: FileResult; results: FileResult[]; failed: Array<{ file: string; reason: string }> }
  | { id: number; ok: false; error: { name: string; message: string } };

/** Sent by the worker on its own whenever the connector's status changes. */
export interface ConnectorStatusMessage {
  status: ComponentStatusView;
}

export interface ConnectorThreadData {
  config: Config;
  /** The worker's log lines go to this thread's logger (one writer, one format on stderr). */
  logPort: MessagePort;
  inbox?: string;
  batchRows?: number;
}

const BOOT = new URL('./connector-worker-boot.mjs', import.meta.url);

export class ConnectorThread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: ConnectorReply) => void; reject: (e: Error) => void }>();
  results: FileResult[] = [];
  failed: Array<{ file: string; reason: string }> = [];
  private statusView: ComponentStatusView = new ComponentStatus().view();
  private closing = false;

  constructor(config: Config, options: ConnectorOptions = {}) {
    const logPort = logPortForWorker();
    const data: ConnectorThreadData = { config, logPort, inbox: options.inbox, batchRows: options.batchRows };
    this.worker = new Worker(BOOT, { workerData: data, transferList: [logPort] });
    this.worker.on('message', (message: ConnectorReply | ConnectorStatusMessage) => {
      if ('status' in message) {
        this.statusView = message.status;
        return;
      }
      const reply = message;
      const call = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) {
        this.results = reply.results;
        this.failed = reply.failed;
      }
      call?.resolve(reply);
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`connector thread exited with code ${code}`)));
  }

  /** The connector's status as the worker last reported it; failed once the thread is gone. */
  status(): ComponentStatusView {
    return this.statusView;
  }

  private failAll(err: Error): void {
    if (!this.closing) this.statusView = { state: 'failed', since: new Date().toISOString(), reason: err.message };
    for (const call of this.waiting.values()) call.reject(err);
    this.waiting.clear();
  }

  private async call(message: ConnectorRequest): Promise<FileResult | undefined> {
    const id = this.nextId++;
    const reply = await new Promise<ConnectorReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
    return reply.value;
  }

  async open(): Promise<void> {
    await this.call({ method: 'open' });
  }

  takeFile(path: string, { inPlace = false } = {}): Promise<FileResult | undefined> {
    return this.call({ method: 'takeFile', path, inPlace });
  }

  async watch(): Promise<void> {
    await this.call({ method: 'watch' });
  }

  async drainInbox(): Promise<void> {
    await this.call({ method: 'drainInbox' });
  }

  async whenIdle(): Promise<void> {
    await this.call({ method: 'whenIdle' });
  }

  /** Closes the connector, then ends its thread (even when the connector never opened). */
  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.call({ method: 'close' });
    } finally {
      await this.worker.terminate();
    }
  }
}
