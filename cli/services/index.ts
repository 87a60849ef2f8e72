// The local services manager: Kafka and the schema registry run natively (no Docker here).
// See docs/design.md, "Real components on this machine".
import type { Config } from '../../core/config.ts';
import { ConfigError } from '../../core/settings.ts';
import { logger } from '../../core/logger.ts';
import { bringDown, bringUp, describe } from './lifecycle.ts';
import { serviceSpecs, type ServiceSpec } from './service-specs.ts';
import { ServiceError, type ServiceStatus } from './types.ts';

export { ServiceError, type ServiceName, type ServiceStatus } from './types.ts';

const DEFAULT_TIMEOUT_MS = 180_000;
/** A broker or registry given in the environment is already running: it answers in seconds or not at all. */
const EXTERNAL_TIMEOUT_MS = 15_000;

/**
 * Starts what is not running yet (both in parallel) and waits until both answer. Idempotent.
 * `timeoutMs` bounds the wait for health after a start; downloads on a cold cache come on top.
 * Services given in the environment get `externalTimeoutMs` (15 s), then a ConfigError naming
 * the setting. Only at command start-up: a running pipeline retries a broker that goes away.
 */
export async function servicesUp(config: Config, opts: { timeoutMs?: number; externalTimeoutMs?: number } = {}): Promise<ServiceStatus[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const externalTimeoutMs = opts.externalTimeoutMs ?? EXTERNAL_TIMEOUT_MS;
  const up = (spec: ServiceSpec) =>
    bringUp(spec, spec.local ? timeoutMs : externalTimeoutMs).catch((err: unknown) => {
      // a configuration error (a refused SASL login) stays one, for the CLI's one-line message
      throw err instanceof ServiceError || err instanceof ConfigError ? err : new ServiceError(spec.name, String(err));
    });
  const results = await Promise.allSettled(serviceSpecs(config).map(up));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as ServiceError] : []));
  for (const extra of failures.slice(1)) logger.error({ err: extra }, 'services up: another service failed too');
  if (failures[0] !== undefined) throw failures[0];
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

/** Stops what `servicesUp` started (found through pid files); leaves everything else alone. */
export async function servicesDown(config: Config): Promise<ServiceStatus[]> {
  return Promise.all(serviceSpecs(config).map((spec) => bringDown(spec)));
}

export async function servicesStatus(config: Config): Promise<ServiceStatus[]> {
  return Promise.all(serviceSpecs(config).map((spec) => describe(spec)));
}
