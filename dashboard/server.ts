// startDashboard: builds the app and listens (127.0.0.1:3000 unless configured otherwise).
import type { FastifyInstance } from 'fastify';
import { checkDashboardExposure } from '../core/config.ts';
import { isLoopbackHost } from '../core/exposure.ts';
import { logger as defaultLogger } from '../core/logger.ts';
import { buildApp, type BuildAppOptions } from './app.ts';

export interface StartDashboardOptions extends BuildAppOptions {
  /** Override config.dashboard.host / port (port 0: any free port). */
  host?: string;
  port?: number;
}

export function dashboardUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startDashboard(opts: StartDashboardOptions): Promise<{ app: FastifyInstance; url: string }> {
  const host = opts.host ?? opts.config.dashboard.host;
  // Beyond loopback only with a token or the explicit opt-in, which is announced loudly.
  checkDashboardExposure({ ...opts.config.dashboard, host }, opts.host === undefined ? 'SALESINSIGHTS_HOST' : 'host');
  if (!opts.config.dashboard.token && !isLoopbackHost(host)) {
    (opts.logger ?? defaultLogger).warn(
      { host, setting: 'SALESINSIGHTS_ALLOW_UNAUTHENTICATED' },
      `WARNING: the dashboard listens on ${host} WITHOUT a token (SALESINSIGHTS_ALLOW_UNAUTHENTICATED=true): ` +
        'anyone who can reach it reads every /api/* answer and may POST /api/events; set SALESINSIGHTS_DASHBOARD_TOKEN',
    );
  }
  const app = await buildApp(opts);
  try {
    await app.listen({ host, port: opts.port ?? opts.config.dashboard.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? opts.config.dashboard.port);
  return { app, url: dashboardUrl(host, port) };
}
