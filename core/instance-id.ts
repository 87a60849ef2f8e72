// A connector instance's identity: its transactional ids and its ledger entries. Given by
// SALESINSIGHTS_INSTANCE_ID, or derived from the host and the inbox's absolute path, so that the
// same connector on the same inbox keeps its id across restarts (and resumes its own files), and
// N connectors on N inboxes or hosts get N ids without being told.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from './config.ts';

/** Hex digits of the hash in a derived id: 2^40 ids, far beyond the instances of a namespace. */
const HASH_DIGITS = 10;
const HOST_LABEL_CHARS = 24;

/**
 * The derived id: the host's first name label (readable in logs and errors) and the first
 * HASH_DIGITS hex digits of SHA-256(host + "\n" + absolute inbox path), e.g. `box-a-3f9c2a1b7e`.
 */
export function derivedInstanceId(host: string, inbox: string): string {
  const label = (host.split('.')[0] ?? '').toLowerCase().replace(/[^a-z0-9-]/g, '').replace(/^-+/, '').slice(0, HOST_LABEL_CHARS) || 'host';
  const digest = createHash('sha256').update(`${host}\n${resolve(inbox)}`).digest('hex');
  return `${label}-${digest.slice(0, HASH_DIGITS)}`;
}

/** The instance id of a connector on `inbox` in this process: the setting, or derived. */
export function connectorInstanceId(config: Pick<Config, 'instanceId'>, inbox: string, host: string = hostname()): string {
  return config.instanceId ?? derivedInstanceId(host, inbox);
}

/** The transactional id of a connector instance (a restarted one fences its zombie). */
export function connectorTransactionalId(namespace: string, instanceId: string): string {
  return `${namespace}.connector.${instanceId}`;
}

/** The transactional id of an instance's HTTP source (POST /api/events). */
export function httpSourceTransactionalId(namespace: string, instanceId: string): string {
  return `${namespace}.http-source.${instanceId}`;
}
