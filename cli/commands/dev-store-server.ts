// dev-store-server [--port N]: the embedded store of $SALESINSIGHTS_HOME served over ClickHouse's
// HTTP interface, read and write, on 127.0.0.1, so that several processes share one store by
// setting CLICKHOUSE_URL to it (only one process may open the embedded store). Test and
// development infrastructure, enabled only by SALESINSIGHTS_DEV_STORE_SERVER=1: production's
// store is a ClickHouse server or cluster. Its URL goes to run/dev-store-server.json for tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { ConfigError } from '../../core/settings.ts';
import { openServedEngine } from '../../aggregates/served-engine.ts';
import { buildDevStoreApp } from '../../dashboard/dev-store/app.ts';
import { removeEndpointFile, writeEndpointFile } from '../../dashboard/query/endpoint-file.ts';
import { dashboardUrl } from '../../dashboard/server.ts';

export const DEV_STORE_SETTING = 'SALESINSIGHTS_DEV_STORE_SERVER';
const HOST = '127.0.0.1';
/** Beside ClickHouse's own 8123, not on it: a real server may run on this machine. */
const DEFAULT_PORT = 8133;

export async function devStoreServer(config: Config, logger: Logger, opts: { port?: number }, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env[DEV_STORE_SETTING] !== '1') {
    throw new ConfigError(
      DEV_STORE_SETTING,
      `dev-store-server is test/development infrastructure (the embedded engine served to other processes), enabled only by ${DEV_STORE_SETTING}=1; in production CLICKHOUSE_URL names a ClickHouse server or cluster`,
    );
  }
  if (config.clickhouseUrl) throw new ConfigError('CLICKHOUSE_URL', 'dev-store-server serves the embedded store of SALESINSIGHTS_HOME: unset CLICKHOUSE_URL for it (its clients set theirs to its URL)');

  const engine = openServedEngine(config);
  // Outside the home: FROM INFILE reads its path as a glob, and a home may hold glob characters.
  const spool = await mkdtemp(join(tmpdir(), 'salesinsights-dev-store-'));
  const app = await buildDevStoreApp({ engine, spool, logger });
  try {
    const port = opts.port ?? DEFAULT_PORT;
    await app.listen({ host: HOST, port });
    const address = app.server.address();
    const url = dashboardUrl(HOST, typeof address === 'object' && address ? address.port : port);
    writeEndpointFile(config, url, 'dev-store-server');
    logger.warn({ url, setting: DEV_STORE_SETTING }, 'dev store server: test/development infrastructure, never the production store (a ClickHouse server or cluster)');
    process.stdout.write(`dev store server: ${url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    removeEndpointFile(config, 'dev-store-server');
    await app.close();
    await engine.close();
    await rm(spool, { recursive: true, force: true });
  }
}
