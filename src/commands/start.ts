// start: everything on one machine. In embedded mode only one process may open the store, so
// the connector, the aggregator and the dashboard share this process.
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { prepareRuntime } from '../runtime.ts';
import { Connector } from '../../ingest/index.ts';
import { AggregatorJob } from '../../stream/job.ts';

export interface StartOptions {
  inbox?: string;
  host?: string;
  port?: number;
}

export async function start(config: Config, logger: Logger, options: StartOptions): Promise<void> {
  const store = await prepareRuntime(config, logger);
  const job = new AggregatorJob(config, store, logger);
  await job.start();
  const connector = new Connector(config, logger, { inbox: options.inbox });
  await connector.open();
  await connector.watch();
  logger.info({ inbox: connector.inbox }, 'salesinsights running; drop daily CSV slices into the inbox');

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down after a final flush');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await connector.close();
  await job.stop();
  await store.close();
}
