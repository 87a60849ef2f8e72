// The connector on a worker thread: parsing, validation and Avro encoding take the second core
// while the aggregator keeps the first. Same methods as Connector, answered by message passing.
import type { Worker } from 'node:worker_threads';
import { ComponentStatus, type ComponentStatusView } from '../core/component-status.ts';
import type { Config } from '../core/config.ts';
import { siblingModule, startWorker, WorkerCalls, type WorkerReply } from '../core/worker-calls.ts';
import { defaultInbox, type ConnectorOptions } from './index.ts';
import type { FileResult } from './file-ingestor.ts';
import { ConnectorTotals, inboxBacklog, type ConnectorTotalsView } from './connector-totals.ts';

export type ConnectorRequest =
  | { method: 'open' | 'watch' | 'drainInbox' | 'close' | 'whenIdle' }
  | { method: 'takeFile'; path: string; inPlace: boolean };
export type ConnectorCall = ConnectorRequest & { id: number };

export interface ConnectorAnswer {
  value?: FileResult;
  /** The results and failures since the previous reply. */
  results: FileResult[];
  failed: Array<{ file: string; reason: string }>;
}
export type ConnectorReply = WorkerReply & Partial<ConnectorAnswer>;

/** Sent by the worker on its own whenever the connector's status changes. */
export interface ConnectorStatusMessage {
  status: ComponentStatusView;
}

/** Sent by the worker on its own whenever the connector's totals change (a file taken or refused, a retry). */
export interface ConnectorTotalsMessage {
  totals: ConnectorTotalsView;
}

export interface ConnectorThreadData {
  config: Config;
  inbox?: string;
  batchRows?: number;
}

const WORKER = siblingModule('connector-worker', import.meta.url);

export class ConnectorThread {
  private readonly worker: Worker;
  private readonly calls: WorkerCalls<ConnectorReply>;
  readonly results: FileResult[] = [];
  readonly failed: Array<{ file: string; reason: string }> = [];
  private statusView: ComponentStatusView = new ComponentStatus().view();
  private totalsView: ConnectorTotalsView = new ConnectorTotals().view();
  /** Its inbox, where the backlog is counted. */
  readonly inbox: string;
  private closing = false;

  constructor(config: Config, options: ConnectorOptions = {}) {
    const data: ConnectorThreadData = { config, inbox: options.inbox, batchRows: options.batchRows };
    this.worker = startWorker(WORKER, data);
    this.calls = new WorkerCalls(this.worker);
    this.inbox = options.inbox ?? defaultInbox(config);
    this.worker.on('message', (message: ConnectorReply | ConnectorStatusMessage | ConnectorTotalsMessage) => {
      if ('status' in message) {
        this.statusView = message.status;
        return;
      }
      if ('totals' in message) {
        this.totalsView = message.totals;
        return;
      }
      for (const result of message.results ?? []) this.results.push(result);
      for (const failure of message.failed ?? []) this.failed.push(failure);
      this.calls.settle(message);
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`connector thread exited with code ${code}`)));
  }

  /** The connector's status as the worker last reported it; failed once the thread is gone. */
  status(): ComponentStatusView {
    return this.statusView;
  }

  /** The connector's totals as the worker last reported them. */
  totals(): ConnectorTotalsView {
    return this.totalsView;
  }

  /** Data files waiting in the inbox. */
  backlog(): Promise<number> {
    return inboxBacklog(this.inbox);
  }

  private failAll(err: Error): void {
    if (!this.closing) this.statusView = { state: 'failed', since: new Date().toISOString(), reason: err.message };
    this.calls.end(err);
  }

  private async call(message: ConnectorRequest): Promise<FileResult | undefined> {
    return (await this.calls.call(message)).value;
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
