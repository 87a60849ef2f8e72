// The connector: watcher -> parse -> validate -> encode -> produce, with the file ledger.
// Composes the pieces; each lives in its own module.
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { backoffMs, sleep } from '../core/backoff.ts';
import { ComponentStatus } from '../core/component-status.ts';
import type { Config } from '../core/config.ts';
import { connectorInstanceId, connectorTransactionalId } from '../core/instance-id.ts';
import { createKafka } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import { createSchemaRegistry, isRegistryRefusal, registerEventSchema } from '../core/avro.ts';
import { CONNECTOR_DEFAULTS } from './defaults.ts';
import { ConnectorTotals } from './connector-totals.ts';
import { IngestError } from './errors.ts';
import { ingestFile, type FileResult } from './file-ingestor.ts';
import { selectFiles } from './inbox-files.ts';
import { IngestLedger } from './ledger.ts';
import { EventProducer } from './producer.ts';
import { ensureTopics } from './topics.ts';
import { InboxWatcher } from './watcher.ts';

const OPEN_STEP_WARN_MS = 10_000;

export interface ConnectorOptions {
  inbox?: string;
  batchRows?: number;
  onFile?: (result: FileResult) => void;
  /** Per schema registry request (default REGISTRY_REQUEST_TIMEOUT_MS). */
  registryTimeoutMs?: number;
}

export function defaultInbox(config: Config): string {
  return join(config.home, 'inbox');
}

async function freeName(dir: string, name: string): Promise<string> {
  let candidate = join(dir, name);
  for (let i = 1; ; i++) {
    try {
      await access(candidate);
      candidate = join(dir, `${name}.${i}`);
    } catch {
      return candidate;
    }
  }
}

export class Connector {
  readonly inbox: string;
  /** Its transactional id and ledger entries are this instance's (core/instance-id.ts). */
  readonly instanceId: string;
  private readonly producer: EventProducer;
  private watcher?: InboxWatcher;
  private ledger?: IngestLedger;
  private schemaId = 0;
  readonly results: FileResult[] = [];
  readonly failed: Array<{ file: string; reason: string }> = [];
  /** running, or retrying a file while Kafka or the registry is away. */
  readonly status = new ComponentStatus();
  /** Files, rows, refusals and retries since it started (/metrics). */
  readonly totals = new ConnectorTotals();
  private readonly closing = new AbortController();

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly options: ConnectorOptions = {},
  ) {
    this.inbox = options.inbox ?? defaultInbox(config);
    this.instanceId = connectorInstanceId(config, this.inbox);
    const kafka = createKafka(config, 'salesinsights-connector');
    // One transactional id per instance: a restarted connector fences its zombie, and connectors
    // on other inboxes or hosts never fence each other.
    this.producer = new EventProducer(kafka, config.namespace, connectorTransactionalId(config.namespace, this.instanceId), {
      status: this.status,
      logger,
    });
  }

  /** Connects, registers the schema, loads the ledger; then files can be ingested. */
  async open(): Promise<void> {
    const kafka = createKafka(this.config, 'salesinsights-connector-setup');
    await this.openStep('topics', () => ensureTopics(kafka, this.config.namespace, this.config.partitions));
    const registry = createSchemaRegistry(this.config.schemaRegistryUrl, this.options.registryTimeoutMs);
    this.schemaId = await this.openStep('schema', () => this.untilRegistryAnswers(() => registerEventSchema(registry, this.config.namespace)));
    await this.openStep('transactional id', () => this.producer.connect());
    this.ledger = await this.openStep('ledger', () => IngestLedger.load(kafka, this.config.namespace, this.instanceId));
  }

  /** One step of open(); a slow one says what it waits for instead of leaving the log silent. */
  private async openStep<T>(step: string, run: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const slow = setInterval(() => this.logger.warn({ step, waitedMs: Date.now() - started }, 'connector open: still waiting'), OPEN_STEP_WARN_MS);
    try {
      return await run();
    } finally {
      clearInterval(slow);
      this.logger.debug({ step, ms: Date.now() - started }, 'connector open: step done');
    }
  }

  /**
   * A registry that is away or slow (under load it can take longer than a request's timeout) is
   * waited for with backoff; one that refuses (isRegistryRefusal) fails the open at once.
   */
  private async untilRegistryAnswers<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await run();
        if (attempt > 1) this.status.running();
        return answer;
      } catch (err) {
        if (isRegistryRefusal(err) || this.closing.signal.aborted) throw err;
        await this.backOff(attempt, 'schema registry', err, {}, 'schema registry not answering; retrying');
      }
    }
  }

  /** Watches the inbox; complete files are ingested one at a time in lexical order. */
  async watch(): Promise<void> {
    // The watcher needs the folder: notices come from the folder itself.
    await mkdir(this.inbox, { recursive: true });
    this.watcher = new InboxWatcher(this.inbox, { logger: this.logger, quietMs: this.config.ingest.fileQuietMs }, (path) => this.takeFileUntilDone(path));
    await this.watcher.start();
    this.logger.info({ inbox: this.inbox, instanceId: this.instanceId }, 'connector watching the inbox');
  }

  /**
   * Takes a file, retrying with backoff while Kafka or the registry is away; the watcher holds
   * the files that arrive meanwhile, in lexical order. A file refused for a reason of its own is
   * moved aside by takeFile and not retried. Before a retry the ledger is read again from Kafka:
   * a commit whose answer was lost may have landed, and the file resumes after it.
   */
  private async takeFileUntilDone(path: string): Promise<void> {
    for (let attempt = 1; !this.closing.signal.aborted; attempt++) {
      try {
        if (attempt > 1) {
          await this.producer.whenReady();
          this.ledger = await IngestLedger.load(createKafka(this.config, 'salesinsights-connector-ledger'), this.config.namespace, this.instanceId);
        }
        await this.takeFile(path);
        this.status.running();
        return;
      } catch (err) {
        if (!(await exists(path))) return; // taken away by hand meanwhile
        await this.backOff(attempt, basename(path), err, { file: basename(path) }, 'ingest interrupted; retrying the file');
      }
    }
  }

  /** After failed attempt `attempt` at `what`: health says retrying, a warning, then the backoff (cut short by close). */
  private async backOff(attempt: number, what: string, err: unknown, context: object, message: string): Promise<void> {
    const wait = backoffMs(attempt);
    this.status.retrying(`${what}: ${(err as Error).message}`);
    this.totals.retry();
    this.logger.warn({ err: (err as Error).message, ...context, attempt, wait }, message);
    await sleep(wait, this.closing.signal);
  }

  /** A free path in .done/ or .failed/ for a file of this name. */
  private async asideName(folder: '.done' | '.failed', name: string): Promise<string> {
    await mkdir(join(this.inbox, folder), { recursive: true });
    return freeName(join(this.inbox, folder), name);
  }

  /** Ingests the data files the inbox holds now, in lexical order, without watching. */
  async drainInbox(): Promise<void> {
    for (const file of await selectFiles(this.inbox, this.logger)) await this.takeFile(join(this.inbox, file));
  }

  whenIdle(): Promise<void> {
    return this.watcher?.whenIdle() ?? Promise.resolve();
  }

  /**
   * Ingests one file and moves it to .done/ (or .failed/ with a .reason file). With
   * `inPlace` (backfill) the file stays where it is and a rejected file only logs its reason.
   */
  async takeFile(path: string, { inPlace = false } = {}): Promise<FileResult | undefined> {
    if (!this.ledger) throw new Error('Connector.open() must run before files are taken');
    const name = basename(path);
    try {
      const result = await ingestFile(path, {
        producer: this.producer,
        ledger: this.ledger,
        schemaId: this.schemaId,
        logger: this.logger,
        batchRows: this.options.batchRows ?? CONNECTOR_DEFAULTS.batchRows,
        limits: this.config.ingest,
      });
      // Recorded before the move: whoever sees the file in .done/ finds its result too.
      this.results.push(result);
      this.totals.file(result);
      if (!inPlace) await rename(path, await this.asideName('.done', name));
      this.options.onFile?.(result);
      return result;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.logger.warn({ file: name }, 'file gone before it could be read; skipped');
        return undefined;
      }
      if (!(err instanceof IngestError) && !isUnreadable(err)) throw err;
      this.failed.push({ file: name, reason: (err as Error).message });
      this.totals.failedFile();
      if (inPlace) {
        this.logger.error({ file: name, reason: (err as Error).message }, 'file rejected whole');
        return undefined;
      }
      const target = await this.asideName('.failed', name);
      await rename(path, target).catch(() => undefined);
      await writeFile(`${target}.reason`, `${(err as Error).message}\n`);
      this.logger.error({ file: name, reason: (err as Error).message }, 'file rejected whole; moved to .failed/');
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.watcher?.close();
    await this.producer.disconnect();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function isUnreadable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EISDIR';
}
