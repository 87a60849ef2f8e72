// Waiting for a service to answer, with one overall deadline.
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError, type ServiceName } from './types.ts';

export interface HealthResult {
  healthy: boolean;
  detail: string;
  /** The check gave no answer in time (as opposed to answering "not healthy"). */
  timedOut?: boolean;
  /** Waiting cannot help (the broker refused our login): stop at once with this error. */
  fatal?: Error;
}

export type HealthCheck = () => Promise<HealthResult>;

/** Runs `check` but gives up after `ms`, reporting unhealthy. */
export async function withTimeout(check: HealthCheck, ms: number): Promise<HealthResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthResult>((resolve) => {
    timer = setTimeout(() => resolve({ healthy: false, detail: `no answer within ${ms} ms`, timedOut: true }), ms);
  });
  try {
    return await Promise.race([check().catch((err: unknown) => ({ healthy: false, detail: String(err) })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface WaitSpec {
  service: ServiceName;
  check: HealthCheck;
  timeoutMs: number;
  /** False once the process we started has died: stop waiting at once. */
  alive?: () => boolean;
  tail: () => Promise<string>;
}

export async function waitUntilHealthy(spec: WaitSpec): Promise<HealthResult> {
  const deadline = Date.now() + spec.timeoutMs;
  let last: HealthResult | undefined;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const result = await withTimeout(spec.check, Math.min(5000, left));
    if (result.healthy) return result;
    if (result.fatal) throw result.fatal;
    // a check cut short by the deadline says less than the answer before it
    if (!result.timedOut || last === undefined) last = result;
    if (spec.alive && !spec.alive()) {
      throw new ServiceError(spec.service, `the process exited before it became healthy (${last.detail})`, await spec.tail());
    }
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  }
  throw new ServiceError(
    spec.service,
    `not healthy after ${Math.round(spec.timeoutMs / 1000)} s (last check: ${last?.detail ?? 'none ran'})`,
    await spec.tail(),
    last?.detail,
  );
}

/** True when something accepts TCP connections on host:port. */
export function portInUse(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

/** A health check's detail in a few words, for a one-line message (connection refused, host not found…). */
export function shortReason(detail: string): string {
  if (/ECONNREFUSED/.test(detail)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(detail)) return 'host not found';
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timed? ?out|no answer within/i.test(detail)) return 'no answer';
  return detail;
}
