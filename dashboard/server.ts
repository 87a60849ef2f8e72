// startDashboard: builds the app and listens (127.0.0.1:3000 unless configured otherwise).
import type { FastifyInstance } from 'fastify';
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
  const app = await buildApp(opts);
  const host = opts.host ?? opts.config.dashboard.host;
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
