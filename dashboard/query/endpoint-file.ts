// The query endpoint's record of itself: `start` writes the endpoint's URL (never the token) to
// $SALESINSIGHTS_HOME/run/query-endpoint.json and removes it on shutdown, so `sql` and `export`
// beside a running `start` find it (cli/query-endpoint.ts).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';

export interface EndpointRecord {
  url: string;
  pid: number;
  namespace: string;
  startedAt: string;
}

export function endpointFile(config: Config): string {
  return join(config.home, 'run', 'query-endpoint.json');
}

export function writeEndpointFile(config: Config, url: string): void {
  const file = endpointFile(config);
  mkdirSync(join(config.home, 'run'), { recursive: true });
  const record: EndpointRecord = { url, pid: process.pid, namespace: config.namespace, startedAt: new Date().toISOString() };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readEndpointRecord(config: Config): EndpointRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(endpointFile(config), 'utf8')) as Partial<EndpointRecord>;
    return typeof r.url === 'string' && typeof r.pid === 'number' ? (r as EndpointRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file when it is this process's (a newer start may have written its own). */
export function removeEndpointFile(config: Config): void {
  if (readEndpointRecord(config)?.pid === process.pid) rmSync(endpointFile(config), { force: true });
}
