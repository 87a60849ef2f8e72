// Who runs a namespace, and where. Every long-running command (start, backfill, connect) is a
// member of the consumer group `<ns>.instances` while it runs, its client id naming its role,
// host, pid and home; Kafka's group membership is the lease (no record to clean up: a process
// killed with -9 leaves the group when its session times out). With the embedded store a
// namespace runs in one place: a second start on another home would split the partitions
// between two stores; and `reset` must not pull the topics from under a running instance.
// Each one that runs a connector names its instance id (core/instance-id.ts): two with one id
// would fence each other's transactions and share their ledger entries. A start names the roles
// it runs (core/roles.ts): one process of a namespace runs the dashboard, the single writer of its
// forecasts and alerts.
import { hostname } from 'node:os';
import type { Consumer, Kafka } from 'kafkajs';
import type { Config } from './config.ts';
import { ConfigError } from './settings.ts';
import { createKafka } from './kafka.ts';
import { processAlive } from './process-alive.ts';
import { ROLES, type Role, type Roles } from './roles.ts';

export type InstanceRole = 'start' | 'backfill' | 'connect';

export interface Instance {
  role: InstanceRole;
  host: string;
  pid: number;
  home: string;
  /** The connector instance id it runs under (absent for members of builds before ids). */
  id?: string;
  /** The roles a start runs (every role for members of builds before roles). */
  runs?: Role[];
}

const CLIENT_ID_PREFIX = 'salesinsights-instance';
/** A member that leaves unannounced (kill -9) is gone after this. */
const SESSION_TIMEOUT_MS = 10_000;

export const instancesGroup = (namespace: string) => `${namespace}.instances`;
export const instancesTopic = (namespace: string) => `${namespace}.instances`;

export function thisInstance(config: Config, role: InstanceRole, id?: string, runs?: Roles): Instance {
  return { role, host: hostname(), pid: process.pid, home: config.home, ...(id !== undefined ? { id } : {}), ...(runs ? { runs: ROLES.filter((r) => runs.has(r)) } : {}) };
}

/** The client id that names an instance to the others. */
export function instanceClientId(i: Instance): string {
  const id = i.id !== undefined ? `;id=${encodeURIComponent(i.id)}` : '';
  const runs = i.runs ? `;runs=${i.runs.join(',')}` : '';
  return `${CLIENT_ID_PREFIX};role=${i.role};host=${encodeURIComponent(i.host)};pid=${i.pid};home=${encodeURIComponent(i.home)}${id}${runs}`;
}

/** The instance a member's client id names, or undefined for any other client. */
export function parseInstance(clientId: string): Instance | undefined {
  const [prefix, ...fields] = clientId.split(';');
  if (prefix !== CLIENT_ID_PREFIX) return undefined;
  const f = Object.fromEntries(fields.map((p) => [p.slice(0, p.indexOf('=')), decodeURIComponent(p.slice(p.indexOf('=') + 1))]));
  const pid = Number(f.pid);
  if (!['start', 'backfill', 'connect'].includes(f.role ?? '') || !f.host || !Number.isInteger(pid) || f.home === undefined) return undefined;
  const runs = f.runs?.split(',').filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return { role: f.role as InstanceRole, host: f.host, pid, home: f.home, ...(f.id ? { id: f.id } : {}), ...(runs?.length ? { runs } : {}) };
}

/** On this host a member whose process is gone is a killed one still in the group until its session ends. */
const alive = (i: Instance, host: string) => i.host !== host || processAlive(i.pid);

export function describeInstance(i: Instance): string {
  const roles = i.runs && i.runs.length < ROLES.length ? ` --role ${i.runs.join(',')}` : '';
  return `\`salesinsights ${i.role}${roles}\` (pid ${i.pid} on ${i.host}, SALESINSIGHTS_HOME=${i.home})`;
}

/** A live instance (seen from `host`) that runs under instance id `id`, or undefined. */
export function holderOf(id: string, host: string, others: Instance[]): (Instance & { id: string }) | undefined {
  return others.find((o): o is Instance & { id: string } => o.id === id && alive(o, host));
}

/**
 * Why `me` may not run beside `others`, or undefined. With the embedded store every instance of
 * a namespace that holds a store (start, backfill) runs on one home; one on the same home is
 * refused by the store's own lock. A ClickHouse server is shared: there any mix may run, as
 * many aggregators as the partitions allow (one dashboard, though: dashboardHolder).
 */
export function conflict(me: Instance, others: Instance[], embedded: boolean): Instance | undefined {
  if (!embedded || me.role === 'connect') return undefined;
  return others.find((o) => o.role !== 'connect' && alive(o, me.host) && (o.host !== me.host || o.home !== me.home));
}

const runsDashboard = (i: Instance) => i.role === 'start' && (i.runs?.includes('dashboard') ?? true);

/**
 * The live instance that runs the namespace's dashboard when `me` would run one too, or
 * undefined: its forecast refresher and alert evaluator are the namespace's single writers of
 * forecasts and alerts (two would fit twice and notify twice), whatever the store.
 */
export function dashboardHolder(me: Instance, others: Instance[]): Instance | undefined {
  return runsDashboard(me) ? others.find((o) => runsDashboard(o) && alive(o, me.host)) : undefined;
}

/** The instances of the namespace that run now (killed ones on this host left out). */
export async function runningInstances(kafka: Kafka, namespace: string): Promise<Instance[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([instancesGroup(namespace)]);
    const host = hostname();
    return (groups[0]?.members ?? [])
      .map((m) => parseInstance(m.clientId))
      .filter((i): i is Instance => i !== undefined && i.pid !== process.pid && alive(i, host));
  } finally {
    await admin.disconnect();
  }
}

/** A namespace that runs elsewhere: the second instance does not start. */
export class NamespaceInUseError extends ConfigError {
  override name = 'NamespaceInUseError';
  constructor(namespace: string, other: Instance) {
    super(
      'SALESINSIGHTS_NAMESPACE',
      `"${namespace}" runs already: ${describeInstance(other)}. With the embedded store a namespace runs in one place (its results would split between two stores); ` +
        `stop that one, run this one with its SALESINSIGHTS_HOME, choose another SALESINSIGHTS_NAMESPACE, or give both a ClickHouse server (CLICKHOUSE_URL)`,
    );
  }
}

/** Another live instance runs under this instance id: the second one does not start. */
export class InstanceIdInUseError extends ConfigError {
  override name = 'InstanceIdInUseError';
  constructor(holder: Instance & { id: string }) {
    super(
      'SALESINSIGHTS_INSTANCE_ID',
      `"${holder.id}" is in use by ${describeInstance(holder)}; two connectors with one id would fence each other's Kafka transactions and share their ledger entries. ` +
        'Stop that one, or give this one its own SALESINSIGHTS_INSTANCE_ID (by default it derives from the host and the inbox path)',
    );
  }
}

/** The namespace's dashboard runs elsewhere: a second one does not start. */
export class DashboardInUseError extends ConfigError {
  override name = 'DashboardInUseError';
  constructor(namespace: string, holder: Instance) {
    super(
      '--role',
      `the dashboard of "${namespace}" runs already in ${describeInstance(holder)}; one process of a namespace runs the dashboard role, ` +
        'the single writer of its forecasts and alerts. Run this one without it (e.g. --role connector or --role aggregator), or stop that one',
    );
  }
}

/**
 * Refuses to run when the namespace runs elsewhere or `instanceId` runs already, then joins its
 * instances group until `leave()`: a consumer of the namespace's (empty) instances topic, whose
 * membership is the lease.
 */
export async function joinInstances(config: Config, role: InstanceRole, instanceId?: string, runs?: Roles): Promise<{ leave: () => Promise<void> }> {
  const me = thisInstance(config, role, instanceId, runs);
  const kafka = createKafka(config, instanceClientId(me));
  const running = await runningInstances(kafka, config.namespace);
  const holder = instanceId === undefined ? undefined : holderOf(instanceId, me.host, running);
  if (holder) throw new InstanceIdInUseError(holder);
  const other = conflict(me, running, config.clickhouseUrl === undefined);
  if (other) throw new NamespaceInUseError(config.namespace, other);
  const dashboard = dashboardHolder(me, running);
  if (dashboard) throw new DashboardInUseError(config.namespace, dashboard);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topic = instancesTopic(config.namespace);
    if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  } finally {
    await admin.disconnect();
  }
  // Short fetches of the empty topic: leaving waits for the fetch in flight.
  const consumer: Consumer = kafka.consumer({ groupId: instancesGroup(config.namespace), sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 3_000, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: instancesTopic(config.namespace) });
  // Joining goes on behind the command's start (kafkajs rejoins by itself after a failure); a
  // command that ends meanwhile leaves once it has joined.
  const joined = consumer.run({ eachMessage: async () => undefined }).catch(() => undefined);
  return {
    leave: async () => {
      await joined;
      await consumer.disconnect();
    },
  };
}
