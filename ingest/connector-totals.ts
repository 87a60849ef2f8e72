// What the connector has done since it started, for /metrics: files ingested, the rows they
// gave (events and rejected rows), files refused whole, and attempts retried while Kafka or the
// registry was away. The Connector keeps them; on its own thread they cross to the main thread
// as messages (connector-thread.ts), one per change.
import { readdir } from 'node:fs/promises';
import type { FileResult } from './file-ingestor.ts';
import { nameRule } from './inbox-files.ts';

export interface ConnectorTotalsView {
  filesIngested: number;
  /** Files whose content the ledger already held: nothing produced. */
  filesAlreadyIngested: number;
  /** Events produced to Kafka. */
  rowsIngested: number;
  /** Rows rejected with a reason (events-rejected). */
  rowsRejected: number;
  /** Files refused whole (moved to .failed/). */
  filesFailed: number;
  /** Failed attempts at a file or at opening (Kafka or the registry away: produce errors), each retried. */
  retries: number;
}

export class ConnectorTotals {
  private current: ConnectorTotalsView = { filesIngested: 0, filesAlreadyIngested: 0, rowsIngested: 0, rowsRejected: 0, filesFailed: 0, retries: 0 };
  private readonly listeners = new Set<(view: ConnectorTotalsView) => void>();

  private add(change: Partial<ConnectorTotalsView>): void {
    const next = { ...this.current };
    for (const [key, n] of Object.entries(change) as Array<[keyof ConnectorTotalsView, number]>) next[key] += n;
    this.current = next;
    for (const listener of this.listeners) listener(this.view());
  }

  file(result: FileResult): void {
    if (result.status === 'already-ingested') this.add({ filesAlreadyIngested: 1 });
    else this.add({ filesIngested: 1, rowsIngested: result.rows, rowsRejected: result.rejected });
  }

  failedFile(): void {
    this.add({ filesFailed: 1 });
  }

  retry(): void {
    this.add({ retries: 1 });
  }

  view(): ConnectorTotalsView {
    return { ...this.current };
  }

  onChange(listener: (view: ConnectorTotalsView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Data files waiting in the inbox (what the connector takes: nameRule), from one directory listing. */
export async function inboxBacklog(inbox: string): Promise<number> {
  const entries = await readdir(inbox, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && nameRule(e.name) === 'take').length;
}
