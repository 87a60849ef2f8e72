// The only file that imports @clickhouse/client. One client API for both modes: the embedded
// ClickHouse engine (chDB) under $SALESINSIGHTS_HOME/clickhouse by default, or a ClickHouse
// server when CLICKHOUSE_URL is set.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { Config } from '../core/config.ts';

export type { ClickHouseClient };

export interface Store {
  client: ClickHouseClient;
  /** The namespace's database; every public table and view lives here. */
  database: string;
  mode: 'embedded' | 'server';
  close(): Promise<void>;
}

export function embeddedStorePath(config: Config): string {
  return join(config.home, 'clickhouse');
}

const SETTINGS = {
  // UInt64 ids above 2^53 must never pass through a JS number: ask for them as strings.
  output_format_json_quote_64bit_integers: 1,
  date_time_input_format: 'best_effort',
} as const;

export function openStore(config: Config): Store {
  if (config.clickhouseUrl) {
    const client = createClient({
      url: config.clickhouseUrl,
      username: config.clickhouseUser ?? 'default',
      password: config.clickhousePassword ?? '',
      clickhouse_settings: SETTINGS,
    });
    return { client, database: config.namespace, mode: 'server', close: () => client.close() };
  }
  const path = embeddedStorePath(config);
  mkdirSync(path, { recursive: true });
  // chdb bundles its own copy of @clickhouse/client-common's types; the shapes are the same.
  const connection = createChdbConnection({ path }) as unknown as ClickHouseClientConfigOptions['connection'];
  const client = createClient({
    connection,
    clickhouse_settings: SETTINGS,
  });
  return { client, database: config.namespace, mode: 'embedded', close: () => client.close() };
}
