// startQueryEndpoint: builds the query endpoint and listens (127.0.0.1:8124 unless configured otherwise).
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../core/config.ts';
import { ConfigError } from '../../core/settings.ts';
import { isLoopbackHost } from '../../core/exposure.ts';
import { logger as defaultLogger } from '../../core/logger.ts';
import { dashboardUrl } from '../server.ts';
import { buildQueryApp, type QueryAppOptions } from './app.ts';

export interface StartQueryEndpointOptions extends Omit<QueryAppOptions, 'token'> {
  config: Config;
  /** Override config.query.port (0: any free port). */
  port?: number;
}

export async function startQueryEndpoint(opts: StartQueryEndpointOptions): Promise<{ app: FastifyInstance; url: string }> {
  const { host } = opts.config.query;
  const port = opts.port ?? opts.config.query.port;
  const token = opts.config.dashboard.token;
  if (!token && !isLoopbackHost(host)) {
    (opts.logger ?? defaultLogger).warn(
      { host, setting: 'SALESINSIGHTS_ALLOW_UNAUTHENTICATED' },
      `WARNING: the query endpoint listens on ${host} WITHOUT a token (SALESINSIGHTS_ALLOW_UNAUTHENTICATED=true): anyone who can reach it reads every table; set SALESINSIGHTS_DASHBOARD_TOKEN`,
    );
  }
  const app = await buildQueryApp({ ...opts, token });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError('SALESINSIGHTS_QUERY_PORT', `${host}:${port} is in use (the query endpoint of another start?); set SALESINSIGHTS_QUERY_PORT or --query-port to a free port, 0 for any`);
    }
    throw err;
  }
  const address = app.server.address();
  return { app, url: dashboardUrl(host, typeof address === 'object' && address ? address.port : port) };
}
