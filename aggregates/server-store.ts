// The store on a ClickHouse server (CLICKHOUSE_URL), over HTTP(S) with @clickhouse/client.
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createClient, type ClickHouseClient, type DataFormat } from '@clickhouse/client';
import type { Config } from '../core/config.ts';
import { writeChunks } from './chunk-file.ts';
import { panelSettings } from './read-gate.ts';
import { gated, gates, limited, names, SETTINGS, type RawReadOptions, type Store } from './store.ts';

export function openServerStore(config: Config & { clickhouseUrl: string }): Store {
  const limits = config.queryLimits;
  const server = {
    url: config.clickhouseUrl,
    username: config.clickhouseUser ?? 'default',
    password: config.clickhousePassword ?? '',
  };
  const client = createClient({ ...server, clickhouse_settings: SETTINGS });
  const panelClient = createClient({ ...server, clickhouse_settings: { ...SETTINGS, ...panelSettings(limits) } });
  const readGates = gates(limits);
  const read = (sql: string, options: RawReadOptions) => gated(readGates.reads, options.signal, () => serverRead(client, sql, limited(limits, options)));
  return {
    client,
    panelClient,
    ...readGates,
    database: config.namespace,
    mode: 'server',
    readRaw: read,
    writeRawFile: (sql, options, file, onBytes) => writeChunks(read(sql, options), file, onBytes),
    insertNative: async (table, block) => {
      const result = await client.exec({ query: `INSERT INTO ${config.namespace}.${table} (${names(block.columns)}) FORMAT Native`, values: Readable.from(block.pieces) });
      await finished(result.stream.resume());
    },
    close: async () => {
      await panelClient.close();
      await client.close();
    },
  };
}

// A server's current database is its client's (`database` is not applied): qualify names there.
async function* serverRead(client: ClickHouseClient, sql: string, options: RawReadOptions): AsyncIterable<Buffer> {
  const result = await client.exec({
    query: sql,
    query_params: options.params ?? {},
    clickhouse_settings: { ...options.settings, default_format: options.format as DataFormat, readonly: '1' },
    abort_signal: options.signal,
  });
  for await (const chunk of result.stream) yield chunk as Buffer;
}
