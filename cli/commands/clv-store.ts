// Where the clv commands read and write. Beside a running `start` in embedded mode (its process
// holds the store) the reads go through its query endpoint, as `sql`'s do, and nothing can be
// written; otherwise the store is opened here, its migrations applied, and the results stored.
import type { Config } from '../../core/config.ts';
import type { BoundStatement } from '../../aggregates/clv-orders.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryEndpoint, runningEndpoint } from '../query-endpoint.ts';

export interface ClvStoreAccess {
  /** A read-only statement's answer as JSONEachRow chunks. */
  read(statement: BoundStatement): AsyncIterable<Buffer>;
  /** The store to write the results into; undefined beside a running start, with the reason. */
  writable: { store: Store } | { reason: string };
  close(): Promise<void>;
}

export async function openClvStore(config: Config): Promise<ClvStoreAccess> {
  const running = config.clickhouseUrl ? undefined : await runningEndpoint(config);
  if (running) {
    const settings = { output_format_json_quote_64bit_integers: '1' };
    return {
      read: ({ sql, params }) => queryEndpoint(config, running, { query: sql, params, defaultFormat: 'JSONEachRow', database: config.namespace, settings }),
      writable: { reason: `the running start (pid ${running.pid}) holds the embedded store: read through its query endpoint, nothing stored` },
      close: async () => undefined,
    };
  }
  // Loaded only here, as in `sql`: the engine and its clients take a while to load.
  const [{ openStore }, { migrate }] = await Promise.all([import('../../aggregates/open-store.ts'), import('../../aggregates/migrate.ts')]);
  const store = openStore(config);
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    read: ({ sql, params }) => store.readRaw(sql, { format: 'JSONEachRow', params, database: store.database }),
    writable: { store },
    close: () => store.close(),
  };
}
