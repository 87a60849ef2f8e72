// Applies the numbered migrations in order and records what ran, so running twice is a no-op.
// Migration files are never edited after merge: a change is a new file.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Store } from './store.ts';

const MIGRATIONS_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export function loadMigrations(database: string): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      statements: splitStatements(readFileSync(join(MIGRATIONS_DIR, file), 'utf8').replaceAll('{db}', database)),
    }));
}

function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Creates the namespace's database and applies pending migrations; returns the names applied.
 * `through`, the last version to apply, leaves a store as an older build did (to test a migration).
 */
export async function migrate(store: Store, through = Infinity): Promise<string[]> {
  const db = store.database; // validated by the config module: [a-z][a-z0-9_]*
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await store.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations
            (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
            ENGINE = MergeTree ORDER BY version`,
  });
  const done = await store.client.query({ query: `SELECT version FROM ${db}.schema_migrations`, format: 'JSONEachRow' });
  const applied = new Set((await done.json<{ version: number }>()).map((r) => Number(r.version)));
  const ran: string[] = [];
  for (const m of loadMigrations(db)) {
    if (applied.has(m.version) || m.version > through) continue;
    for (const statement of m.statements) await store.client.command({ query: statement });
    await store.client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    ran.push(m.name);
  }
  return ran;
}
