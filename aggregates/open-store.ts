// openStore: the store the configuration names, a ClickHouse server (CLICKHOUSE_URL) or the embedded engine.
import type { Config } from '../core/config.ts';
import { openEmbeddedStore } from './embedded-store.ts';
import { openServerStore } from './server-store.ts';
import type { Store } from './store.ts';

export function openStore(config: Config): Store {
  const { clickhouseUrl } = config;
  return clickhouseUrl ? openServerStore({ ...config, clickhouseUrl }) : openEmbeddedStore(config);
}
