// An alert's fingerprint as Prometheus computes a label set's (prometheus/common model
// `labelSetToFingerprint`): FNV-1a 64 over the names in sorted order, each name and value
// followed by the separator byte 0xff, printed as 16 hex digits. Receivers that dedupe on
// Alertmanager's `fingerprint` field then see the value they would from Prometheus.
import type { Labels } from './condition-readings.ts';

const FNV_OFFSET_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;
const SEPARATOR = 0xff;
const utf8 = new TextEncoder();

function addByte(hash: bigint, byte: number): bigint {
  return ((hash ^ BigInt(byte)) * FNV_PRIME_64) & MASK_64;
}

function addText(hash: bigint, text: string): bigint {
  let h = hash;
  for (const byte of utf8.encode(text)) h = addByte(h, byte);
  return h;
}

export function fingerprint(labels: Labels): string {
  let hash = FNV_OFFSET_64;
  for (const name of Object.keys(labels).sort()) {
    hash = addByte(addText(hash, name), SEPARATOR);
    hash = addByte(addText(hash, labels[name]!), SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
