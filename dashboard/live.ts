// Live push over Server-Sent Events. One hub per app: it listens to the emissions once (the job's
// in this process, or the results topics' when the aggregator runs elsewhere: results-follower.ts) and
// fans each out to every connected client as a `sales` event; a `health` event goes out every
// couple of seconds while anyone listens. A new (or reconnecting) client first gets an `init`
// snapshot from ClickHouse: the top products of the latest hour and the per-partition rows of the latest windows,
// which the page merges with later `sales` rows by version. Event ids only grow (they start
// from the clock), so a client's Last-Event-ID is always older than what it gets next.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/logger.ts';
import type { Store } from '../aggregates/store.ts';
import type { ComponentsView } from '../core/component-status.ts';
import type { JobView } from '../stream/job-view.ts';
import type { PipelineMetrics } from '../stream/metrics.ts';
import { sessionKey, type SalesRow, type SessionRow } from '../core/result-rows.ts';
import { livePartials, topProducts, type LiveSalesRow } from '../aggregates/sales-queries.ts';
import { sideOutputCounts } from '../aggregates/count-queries.ts';
import { eventTimeProgress, latestWindowEnd } from '../aggregates/event-time-queries.ts';
import { DASHBOARD_DEFAULTS } from './defaults.ts';
import { eventTimeView, type EventTimeView } from './event-time.ts';
import { windowRange } from './routes/params.ts';
import { isoSecondsOfMs } from '../core/time-format.ts';

interface Client {
  res: ServerResponse;
  /** Frames that arrived while the init snapshot was being read; null once it is sent. */
  queue: string[] | null;
}

interface InitSnapshot {
  top: Awaited<ReturnType<typeof topProducts>>;
  rows: LiveSalesRow[];
}

export interface HealthPayload {
  pipeline: PipelineMetrics | null;
  store: { late: number; rejected: number };
  eventTime: EventTimeView;
  components: ComponentsView;
}

/** The fields of a closed session the page receives. */
export type LiveSessionFields = Pick<SessionRow, 'userId' | 'userSession' | 'sessionStart' | 'sessionEnd' | 'events' | 'carts' | 'purchases' | 'abandoned' | 'abandonedValueCents'>;

/** What one emission pushes: the sales rows, the sessions that closed, and how many customers' values changed. */
export interface LiveEmission {
  sales: SalesRow[];
  sessions: LiveSessionFields[];
  customers: number;
  emittedAt: number;
}

/** Where the emissions come from: the job of this process (jobEmissions) or the results topics. */
export interface EmissionSource {
  onEmission(listener: (update: LiveEmission) => void): () => void;
}

/** The emissions of the job (or supervisor) of this process. */
export function jobEmissions(job: JobView): EmissionSource {
  return { onEmission: (listener) => job.onEmission((u) => listener({ sales: u.sales, sessions: u.sessions, customers: u.customers.length, emittedAt: u.emittedAt })) };
}

export interface LiveHubOptions {
  store: Store;
  /** The aggregator of this process: its metrics in the health event. */
  job?: JobView;
  /** The emissions pushed (the job's by default). */
  emissions?: EmissionSource;
  components?: () => ComponentsView;
  logger: Logger;
  healthIntervalMs?: number;
}


export function liveRow(r: SalesRow): LiveSalesRow {
  return {
    window_start: isoSecondsOfMs(r.windowStart),
    window_end: isoSecondsOfMs(r.windowEnd),
    product_id: String(r.productId),
    partition: r.sourcePartition,
    revenue: r.revenueCents / 100,
    purchases: r.purchases,
    views: r.views,
    carts: r.carts,
    removals: r.removals,
    is_final: r.isFinal,
    version: r.version,
  };
}

/** A closed session as the page receives it: the sessions table's columns, money in currency units. */
export function liveSession(r: LiveSessionFields) {
  return {
    session_key: sessionKey(r),
    user_id: String(r.userId),
    session_start: isoSecondsOfMs(r.sessionStart),
    session_end: isoSecondsOfMs(r.sessionEnd),
    events: r.events,
    carts: r.carts,
    purchases: r.purchases,
    abandoned: r.abandoned,
    abandoned_value: r.abandonedValueCents / 100,
  };
}

export class LiveHub {
  private readonly clients = new Set<Client>();
  private lastId = Date.now();
  private readonly unsubscribe?: () => void;
  private readonly live: boolean;
  private timer?: NodeJS.Timeout;
  private counts = { late: 0, rejected: 0 };
  private progress: { newest: number | null; finalThrough: number | null } = { newest: null, finalThrough: null };
  private countsInFlight?: Promise<void>;
  private newestWindowStart = -Infinity;
  private closed = false;
  /** The snapshot read that clients connecting now join; undefined once it has started. */
  private pendingSnapshot?: Promise<InitSnapshot>;
  /** The latest snapshot read, settled or not: the next one starts after it. */
  private snapshotRead: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LiveHubOptions) {
    const emissions = options.emissions ?? (options.job && jobEmissions(options.job));
    this.live = emissions !== undefined;
    this.unsubscribe = emissions?.onEmission((update) => this.onEmission(update));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes over the response and keeps it open until the client (or the app) closes it. */
  async connect(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${DASHBOARD_DEFAULTS.sseRetryMs}\n\n`);
    if (this.closed) return void res.end();
    // The init id is taken first: the frames queued meanwhile get higher ids.
    const initId = ++this.lastId;
    const client: Client = { res, queue: [] };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    this.ensureTimer();
    const lastEventId = req.headers['last-event-id'];
    try {
      const { top, rows } = await this.snapshot();
      if (!this.clients.has(client)) return;
      const init = {
        top,
        rows,
        live: this.live,
        live_windows: DASHBOARD_DEFAULTS.liveWindows,
        resumed_from: typeof lastEventId === 'string' ? lastEventId : null,
      };
      const queued = client.queue ?? [];
      client.queue = null;
      this.write(client, this.frame('init', init, initId));
      for (const f of queued) this.write(client, f);
      this.write(client, this.frame('health', this.health()));
    } catch (err) {
      this.options.logger.error({ err }, 'live: init snapshot failed; the client will reconnect');
      this.clients.delete(client);
      res.end();
    }
  }

  /**
   * The init snapshot for a client that connects now: read after it connected (so no emission
   * between the two is missed), once for every client that connects while the one before is
   * read. However many clients come (and go) at once, one snapshot is read at a time.
   */
  private snapshot(): Promise<InitSnapshot> {
    if (this.pendingSnapshot) return this.pendingSnapshot;
    const read = this.snapshotRead.then(() => {
      this.pendingSnapshot = undefined;
      return this.readSnapshot();
    });
    this.pendingSnapshot = read;
    this.snapshotRead = read.catch(() => undefined);
    return read;
  }

  private async readSnapshot(): Promise<InitSnapshot> {
    // The top products of the default range (GET /api/top-products without parameters).
    const store = this.options.store;
    const range = await windowRange({}, () => latestWindowEnd(store), { kind: 'span', span: DASHBOARD_DEFAULTS.defaultSpan });
    const [top, rows] = await Promise.all([topProducts(store, range, DASHBOARD_DEFAULTS.topLimit), livePartials(store, DASHBOARD_DEFAULTS.liveWindows)]);
    for (const r of rows) this.newestWindowStart = Math.max(this.newestWindowStart, Date.parse(r.window_start));
    return { top, rows };
  }

  private onEmission(update: LiveEmission): void {
    // Called inside the job's tick (or the follower's batch): never throw back into it.
    try {
      if (this.clients.size === 0) return;
      for (const r of update.sales) this.newestWindowStart = Math.max(this.newestWindowStart, r.windowStart);
      const horizon = this.newestWindowStart - DASHBOARD_DEFAULTS.liveHorizonMs;
      const emittedAt = new Date(update.emittedAt).toISOString();
      if (update.sessions.length > 0) this.broadcast('session', { emitted_at: emittedAt, sessions: update.sessions.map(liveSession) });
      const rows = update.sales.filter((r) => r.windowStart >= horizon).map(liveRow);
      if (rows.length === 0 && update.customers === 0) return;
      this.broadcast('sales', { emitted_at: emittedAt, rows, customers: update.customers });
    } catch (err) {
      this.options.logger.error({ err }, 'live: emission not pushed');
    }
  }

  private frame(event: string, data: unknown, id = ++this.lastId): string {
    return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  private broadcast(event: string, data: unknown): void {
    const frame = this.frame(event, data);
    for (const client of this.clients) {
      if (client.queue) client.queue.push(frame);
      else this.write(client, frame);
    }
  }

  private write(client: Client, frame: string): void {
    client.res.write(frame);
    if (client.res.writableLength > DASHBOARD_DEFAULTS.maxClientBufferBytes) {
      // A client that does not read is cut off; it reconnects and starts from a fresh snapshot.
      this.options.logger.warn('live: slow client disconnected');
      this.clients.delete(client);
      client.res.destroy();
    }
  }

  health(): HealthPayload {
    const pipeline = this.options.job?.metrics() ?? null;
    return {
      pipeline,
      store: { ...this.counts },
      eventTime: eventTimeView(this.progress.finalThrough, this.progress.newest),
      components: this.options.components?.() ?? {},
    };
  }

  /** Reads the side-output counts and event-time progress; one read at a time. */
  private refreshCounts(): Promise<void> {
    this.countsInFlight ??= Promise.all([sideOutputCounts(this.options.store), eventTimeProgress(this.options.store)])
      .then(([counts, progress]) => {
        this.counts = counts;
        this.progress = progress;
      })
      .catch((err) => this.options.logger.warn({ err: (err as Error).message }, 'live: side output counts failed'))
      .finally(() => (this.countsInFlight = undefined));
    return this.countsInFlight;
  }

  private ensureTimer(): void {
    if (this.timer) return;
    void this.refreshCounts();
    this.timer = setInterval(() => {
      if (this.clients.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      // Fresh store numbers when they come within a second; the pipeline's own at once otherwise.
      const wait = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
      void Promise.race([this.refreshCounts(), wait]).then(() => {
        if (!this.closed && this.clients.size > 0) this.broadcast('health', this.health());
      });
    }, this.options.healthIntervalMs ?? DASHBOARD_DEFAULTS.healthIntervalMs);
    this.timer.unref();
  }

  /** Ends every stream (before the server closes) and stops listening to the emissions. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }
}
