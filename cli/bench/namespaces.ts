// The bench's namespaces: one per phase, all in the same home, each removed once measured.
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { reset } from '../commands/reset.ts';

export function withNamespace(config: Config, suffix: string): Config {
  // One embedded store per process: every phase shares the home, each has its own namespace.
  return { ...config, namespace: `${config.namespace}_${suffix}` };
}

/** Drops the namespaces' topics, groups, tables and subjects; a failure is only reported. */
export async function removeNamespaces(configs: Config[], logger: Logger): Promise<void> {
  for (const config of configs) {
    await reset(config, logger).catch((err: unknown) =>
      logger.warn({ err, namespace: config.namespace }, `bench: namespace not removed; SALESINSIGHTS_NAMESPACE=${config.namespace} salesinsights reset removes it`),
    );
  }
}
