// Test helpers: an isolated namespace and home per test file, on the real services.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../src/config.ts';

export function isolatedConfig(prefix: string, extra: Record<string, string> = {}): Config {
  const namespace = `t_${prefix}_${randomBytes(4).toString('hex')}`;
  const home = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return loadConfig({ ...process.env, SALESINSIGHTS_HOME: home, SALESINSIGHTS_NAMESPACE: namespace, ...extra });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}
