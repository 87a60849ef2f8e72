// The query endpoint's record of itself: `start` writes the endpoint's URL (never the token) to
// $SALESINSIGHTS_HOME/run/query-endpoint.json and removes it on shutdown, so `sql` and `export`
// beside a running `start` find it (cli/query-endpoint.ts). The dev store server keeps its record
// the same way under a name of its own.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';

export interface EndpointRecord {
  url: string;
  pid: number;
  namespace: string;
  startedAt: string;
}

/** Which server's record: `start`'s query endpoint or the dev store server. */
export type EndpointName = 'query-endpoint' | 'dev-store-server';

export function endpointFile(config: Config, name: EndpointName = 'query-endpoint'): string {
  return join(config.home, 'run', `${name}.json`);
}

export function writeEndpointFile(config: Config, url: string, name: EndpointName = 'query-endpoint'): void {
  const file = endpointFile(config, name);
  mkdirSync(join(config.home, 'run'), { recursive: true });
  const record: EndpointRecord = { url, pid: process.pid, namespace: config.namespace, startedAt: new Date().toISOString() };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readEndpointRecord(config: Config, name: EndpointName = 'query-endpoint'): EndpointRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(endpointFile(config, name), 'utf8')) as Partial<EndpointRecord>;
    return typeof r.url === 'string' && typeof r.pid === 'number' ? (r as EndpointRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file when it is this process's (a newer start may have written its own). */
export function removeEndpointFile(config: Config, name: EndpointName = 'query-endpoint'): void {
  if (readEndpointRecord(config, name)?.pid === process.pid) rmSync(endpointFile(config, name), { force: true });
}
