// Up, down and status of one service.
import { ConfigError } from '../../core/settings.ts';
import { logger } from '../../core/logger.ts';
import { portInUse, shortReason, waitUntilHealthy, withTimeout } from './health.ts';
import { processAlive, readPidFile, removePidFile, rssMb, stopProcess } from './process-control.ts';
import type { ServiceSpec } from './service-specs.ts';
import { ServiceError, type ServiceStatus } from './types.ts';

const QUICK_CHECK_MS = 5000;

/** The pid of our running process, or undefined (removing a stale pid file). */
async function livePid(spec: ServiceSpec): Promise<number | undefined> {
  const pid = await readPidFile(spec.pidFile);
  if (pid === undefined) return undefined;
  if (processAlive(pid, spec.marker)) return pid;
  logger.warn({ pid, pidFile: spec.pidFile }, `${spec.name}: stale pid file, the process is gone`);
  await removePidFile(spec.pidFile);
  return undefined;
}

function status(spec: ServiceSpec, healthy: boolean, detail: string, pid?: number): ServiceStatus {
  return { name: spec.name, address: spec.address, managed: pid !== undefined, healthy, pid, rssMb: pid === undefined ? undefined : rssMb(pid), detail };
}

async function waitFor(spec: ServiceSpec, timeoutMs: number, pid?: number): Promise<ServiceStatus> {
  const result = await waitUntilHealthy({
    service: spec.name,
    check: spec.health,
    timeoutMs,
    alive: pid === undefined ? undefined : () => processAlive(pid, spec.marker),
    tail: pid === undefined ? async () => '' : spec.tail,
  });
  logger.info({ detail: result.detail }, `${spec.name} healthy at ${spec.address}`);
  return status(spec, true, result.detail, pid);
}

/**
 * A service given in the environment must answer within `timeoutMs` (nothing here would start
 * it): otherwise the command ends with one configuration error naming the setting and the address.
 */
export async function checkExternal(spec: ServiceSpec, timeoutMs: number): Promise<ServiceStatus> {
  logger.info(`${spec.name}: given in the environment, not started here; checking ${spec.address}`);
  try {
    return await waitFor(spec, timeoutMs);
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    const reason = shortReason(err.lastCheck ?? err.message);
    throw new ConfigError(
      spec.setting,
      `${spec.noAnswer} at ${spec.address} within ${Math.round(timeoutMs / 1000)} s (${reason}); check the address or unset ${spec.setting} to use the local services`,
    );
  }
}

export async function bringUp(spec: ServiceSpec, timeoutMs: number): Promise<ServiceStatus> {
  if (!spec.local) return checkExternal(spec, timeoutMs);
  const running = await livePid(spec);
  if (running !== undefined) {
    const quick = await withTimeout(spec.health, QUICK_CHECK_MS);
    if (quick.healthy) {
      logger.info(`${spec.name} already running (pid ${running}) and healthy at ${spec.address}`);
      return status(spec, true, quick.detail, running);
    }
    logger.info(`${spec.name} running (pid ${running}) but not healthy yet; waiting`);
    return waitFor(spec, timeoutMs, running);
  }
  for (const port of spec.ports) {
    if (!(await portInUse('127.0.0.1', port))) continue;
    const quick = await withTimeout(spec.health, QUICK_CHECK_MS);
    if (quick.healthy) {
      logger.warn(`${spec.name}: something not started by salesinsights already answers at ${spec.address}; using it`);
      return status(spec, true, `not started by salesinsights: ${quick.detail}`);
    }
    throw new ServiceError(spec.name, `port 127.0.0.1:${port} is taken by another process`);
  }
  const pid = await spec.start();
  return waitFor(spec, timeoutMs, pid);
}

export async function bringDown(spec: ServiceSpec): Promise<ServiceStatus> {
  const pid = spec.local ? await livePid(spec) : undefined;
  if (pid === undefined) {
    await removePidFile(spec.pidFile);
    return describe(spec, spec.local ? 'not running (no live pid file)' : 'given in the environment, left alone');
  }
  logger.info(`stopping ${spec.name} (pid ${pid})…`);
  const outcome = await stopProcess(pid, spec.marker, spec.graceMs);
  await removePidFile(spec.pidFile);
  logger.info(`${spec.name} ${outcome === 'killed' ? 'killed after the grace period' : 'stopped'}`);
  return describe(spec, outcome === 'killed' ? `killed (pid ${pid}) after ${spec.graceMs / 1000} s` : `stopped (pid ${pid})`);
}

export async function describe(spec: ServiceSpec, note?: string): Promise<ServiceStatus> {
  const pid = spec.local ? await livePid(spec) : undefined;
  const health = await withTimeout(spec.health, QUICK_CHECK_MS);
  return status(spec, health.healthy, note ? `${note}; ${health.detail}` : health.detail, pid);
}
