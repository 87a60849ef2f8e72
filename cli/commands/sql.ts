// sql "<query>": one read-only statement (aggregates/read-only.ts), JSONEachRow on stdout unless
// the statement names its FORMAT, streamed. Beside a running `start` (embedded mode: the store is
// its) through that instance's query endpoint; otherwise on the store opened here.
import { once } from 'node:events';
import type { Config } from '../../core/config.ts';
import { queryEndpoint, runningEndpoint } from '../query-endpoint.ts';

/** Chunks to stdout, waiting while the pipe is full (a reader that goes away ends the process: main.ts). */
export async function toStdout(chunk: Buffer): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}

export async function sql(config: Config, query: string, write: (chunk: Buffer) => unknown = toStdout): Promise<void> {
  const running = config.clickhouseUrl ? undefined : await runningEndpoint(config);
  if (running) {
    // As on the store opened here: 64-bit integers quoted in JSON, the namespace's database current.
    const chunks = queryEndpoint(config, running, {
      query,
      defaultFormat: 'JSONEachRow',
      database: config.namespace,
      settings: { output_format_json_quote_64bit_integers: '1' },
    });
    for await (const chunk of chunks) await write(chunk);
    return;
  }
  // Loaded only here: the engine and its clients take longer to load than a query through the endpoint.
  const [{ openStore }, { runReadOnlyQuery }] = await Promise.all([import('../../aggregates/open-store.ts'), import('../../aggregates/read-only.ts')]);
  const store = openStore(config);
  try {
    await runReadOnlyQuery(store, query, write);
  } finally {
    await store.close();
  }
}
