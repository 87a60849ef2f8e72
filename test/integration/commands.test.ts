// The sql and reset commands on the real store and broker.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { topics } from '../../src/config.ts';
import { createKafka } from '../../src/kafka.ts';
import { logger } from '../../src/logger.ts';
import { prepareRuntime } from '../../src/runtime.ts';
import { runReadOnlyQuery } from '../../src/commands/sql.ts';
import { reset } from '../../src/commands/reset.ts';
import { openStore } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/queries.ts';
import { isolatedConfig } from '../helpers.ts';

const config = isolatedConfig('commands');

describe('sql', () => {
  it('answers a read query as JSONEachRow and refuses anything that writes', async () => {
    const store = await prepareRuntime(config, logger);
    try {
      const out: string[] = [];
      const rows = await runReadOnlyQuery(store, `SELECT number AS n FROM numbers(3)`, (chunk) => out.push(chunk));
      expect(rows).toBe(3);
      expect(out.join('')).toBe('{"n":"0"}\n{"n":"1"}\n{"n":"2"}\n');
      const db = config.namespace;
      for (const statement of [
        `INSERT INTO ${db}.events_data (source_file) VALUES ('x')`,
        `DROP TABLE ${db}.events_data`,
        `SELECT 1; DROP TABLE ${db}.events_data`,
        `ALTER TABLE ${db}.events_data DELETE WHERE 1`,
      ]) {
        await expect(runReadOnlyQuery(store, statement, () => undefined), statement).rejects.toThrow(/read-only/);
      }
      // Enforced by ClickHouse too: a SELECT-shaped query may not create anything.
      await expect(runReadOnlyQuery(store, `SELECT * FROM ${db}.events SETTINGS readonly = 0`, () => undefined)).rejects.toThrow();
      const [count] = await queryRows<{ n: string }>(store, `SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'events_data'`, { db });
      expect(Number(count!.n)).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('sql piped into a reader that stops early', () => {
  it('ends quietly, as Unix tools do on a broken pipe', async () => {
    const env = { ...process.env, SALESINSIGHTS_HOME: config.home, SALESINSIGHTS_NAMESPACE: config.namespace };
    const child = spawn(process.execPath, ['bin/salesinsights.js', 'sql', 'SELECT number FROM numbers(5000000)'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    expect(String(first)).toMatch(/^\{"number":"0"\}/);
    child.stdout.destroy(); // like `| head -1`
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code === 0 || signal === 'SIGTERM', `exit ${code} ${signal}`).toBe(true);
  });
});

describe('reset', () => {
  it("drops the namespace's topics, groups and database", async () => {
    const store = await prepareRuntime(config, logger);
    await store.close();
    await reset(config, logger);
    const admin = createKafka(config, 'reset-test').admin();
    await admin.connect();
    const left = (await admin.listTopics()).filter((t) => t.startsWith(`${config.namespace}.`));
    await admin.disconnect();
    expect(left).toEqual([]);
    expect(Object.values(topics(config.namespace)).length).toBeGreaterThan(0);
    const check = openStore(config);
    try {
      const [row] = await queryRows<{ n: string }>(check, `SELECT count() AS n FROM system.databases WHERE name = {db:String}`, { db: config.namespace });
      expect(Number(row!.n)).toBe(0);
    } finally {
      await check.close();
    }
  });
});
