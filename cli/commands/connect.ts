// connect: only the connector, as its own process (the store is not opened, so this works next
// to an embedded-mode aggregator). With `once`, ingest what the inbox holds, then exit.
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { servicesUp } from '../services/index.ts';
import { Connector, defaultInbox } from '../../ingest/index.ts';
import { connectorInstanceId } from '../../core/instance-id.ts';
import { joinInstances } from '../../core/instances.ts';

export async function connect(config: Config, logger: Logger, options: { inbox?: string; once: boolean }): Promise<void> {
  await servicesUp(config);
  // A member of the namespace's instances, so that `reset` sees it running and a second connector
  // under its instance id is refused.
  const instance = await joinInstances(config, 'connect', connectorInstanceId(config, options.inbox ?? defaultInbox(config)));
  try {
    await runConnector(config, logger, options);
  } finally {
    await instance.leave();
  }
}

async function runConnector(config: Config, logger: Logger, options: { inbox?: string; once: boolean }): Promise<void> {
  const connector = new Connector(config, logger, { inbox: options.inbox });
  await connector.open();
  if (options.once) {
    await connector.drainInbox();
  } else {
    await connector.watch();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  await connector.close();
}
