// The live push of a dashboard whose aggregator runs in other processes: a consumer of the
// results topics (`<ns>.sales-per-product`, `<ns>.sessions`, JSON records written by
// stream/sink.ts) that turns each fetched batch into the emission the in-process job would have
// given the hub. Its group is this dashboard's own and commits nothing, so every start follows
// from the latest offsets (the page reads what came before from the store). Only committed
// transactions are read: an aggregator's aborted tick is never pushed. No topic carries the
// customers: a sales record with purchases is what changes customers' values, so their count
// says how many changed (the page then reloads the lifetime-value panels from the store).
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../core/logger.ts';
import { ComponentStatus } from '../core/component-status.ts';
import type { SalesRow } from '../core/result-rows.ts';
import { topics } from '../core/topics.ts';
import type { EmissionSource, LiveEmission, LiveSessionFields } from './live.ts';

type Listener = (update: LiveEmission) => void;
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ints = (o: Json, keys: readonly string[]) => keys.every((k) => Number.isSafeInteger(o[k]));
const idText = (v: unknown) => typeof v === 'string' && /^\d{1,20}$/.test(v);

const SALES_INTS = ['window_start', 'window_end', 'source_partition', 'revenue_cents', 'purchases', 'views', 'carts', 'removals', 'version'] as const;

/** A `<ns>.sales-per-product` record's value as a sales row, or undefined for one of another shape. */
export function salesRecord(value: unknown): SalesRow | undefined {
  if (!isObject(value) || !ints(value, SALES_INTS) || !idText(value.product_id) || typeof value.is_final !== 'boolean') return undefined;
  const n = (k: (typeof SALES_INTS)[number]) => value[k] as number;
  return {
    windowStart: n('window_start'),
    windowEnd: n('window_end'),
    productId: BigInt(value.product_id as string),
    sourcePartition: n('source_partition'),
    revenueCents: n('revenue_cents'),
    purchases: n('purchases'),
    views: n('views'),
    carts: n('carts'),
    removals: n('removals'),
    isFinal: value.is_final,
    version: n('version'),
  };
}

const SESSION_INTS = ['session_start', 'session_end', 'events', 'carts', 'purchases', 'abandoned_value_cents'] as const;

/** A `<ns>.sessions` record's value as the fields the page receives, or undefined for one of another shape. */
export function sessionRecord(value: unknown): LiveSessionFields | undefined {
  if (!isObject(value) || !ints(value, SESSION_INTS) || !idText(value.user_id) || typeof value.user_session !== 'string' || typeof value.abandoned !== 'boolean') return undefined;
  const n = (k: (typeof SESSION_INTS)[number]) => value[k] as number;
  return {
    userId: BigInt(value.user_id as string),
    userSession: value.user_session,
    sessionStart: n('session_start'),
    sessionEnd: n('session_end'),
    events: n('events'),
    carts: n('carts'),
    purchases: n('purchases'),
    abandoned: value.abandoned,
    abandonedValueCents: n('abandoned_value_cents'),
  };
}

/** The emission of one batch of records of `topic`; records of another shape are counted in `skipped`. */
export function batchEmission(topic: 'sales' | 'sessions', values: (Buffer | null)[], emittedAt: number): { update: LiveEmission; skipped: number } {
  const parse = (v: Buffer | null): unknown => {
    try {
      return v === null ? undefined : (JSON.parse(v.toString('utf8')) as unknown);
    } catch {
      return undefined;
    }
  };
  const read = values.map(parse);
  const sales = topic === 'sales' ? read.map(salesRecord).filter((r): r is SalesRow => r !== undefined) : [];
  const sessions = topic === 'sessions' ? read.map(sessionRecord).filter((r): r is LiveSessionFields => r !== undefined) : [];
  const update = { sales, sessions, customers: sales.filter((r) => r.purchases > 0).length, emittedAt };
  return { update, skipped: values.length - sales.length - sessions.length };
}

export class ResultsFollower implements EmissionSource {
  private readonly listeners = new Set<Listener>();
  private readonly consumer: Consumer;
  private readonly topics: { sales: string; sessions: string };
  /** The follower as a component of this process (/api/health). */
  readonly status = new ComponentStatus();

  /** `group`: this dashboard's own (one per instance: each dashboard gets every record). */
  constructor(
    kafka: Kafka,
    namespace: string,
    group: string,
    private readonly logger: Logger,
  ) {
    const t = topics(namespace);
    this.topics = { sales: t.salesPerProduct, sessions: t.sessions };
    this.consumer = kafka.consumer({ groupId: group, readUncommitted: false, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    // Running once it has joined its group: records produced before that are not pushed.
    this.status.retrying('live feed: joining its consumer group');
  }

  onEmission(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => this.status.running());
    this.consumer.on(CRASH, ({ payload }) => {
      const reason = `live feed: ${payload.error.message}`;
      if (payload.restart) this.status.retrying(reason);
      else this.status.failed(reason);
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topics.sales, this.topics.sessions], fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const kind = batch.topic === this.topics.sales ? 'sales' : 'sessions';
        const emittedAt = Math.max(0, ...batch.messages.map((m) => Number(m.timestamp)));
        const { update, skipped } = batchEmission(kind, batch.messages.map((m) => m.value), emittedAt);
        if (skipped > 0) this.logger.warn({ topic: batch.topic, skipped }, 'live feed: records of another shape skipped');
        for (const listener of this.listeners) listener(update);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
