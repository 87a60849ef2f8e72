// The sql command's read-only rule against every escape tried, on the real embedded store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../core/logger.ts';
import { prepareRuntime } from '../../cli/runtime.ts';
import { QuerySyntaxError, ReadOnlyQueryError, runReadOnlyQuery } from '../../aggregates/read-only.ts';
import { clickHouseCode, type Store } from '../../aggregates/store.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const config = isolatedConfig('sqlro');
const db = config.namespace;
const dir = tempDir('sqlro-files');
const secretFile = join(dir, 'secret.txt');
const SECRET = 'SECRET-LINE-7f3a91';
let store: Store;
let server: Server;
let serverHits = 0;
let serverUrl = '';

beforeAll(async () => {
  writeFileSync(secretFile, `${SECRET}\n`);
  server = createServer((_req, res) => {
    serverHits += 1;
    res.end(`${SECRET}\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  serverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  store = await prepareRuntime(config, logger);
});

afterAll(async () => {
  await store?.close();
  server?.close();
});

async function run(query: string): Promise<string> {
  const out: Buffer[] = [];
  await runReadOnlyQuery(store, query, (chunk) => out.push(chunk));
  return Buffer.concat(out).toString();
}

/** Runs query, expects a ReadOnlyQueryError naming `refused`, and returns what was printed. */
async function refused(query: string, what: RegExp): Promise<string> {
  const out: Buffer[] = [];
  const err = await runReadOnlyQuery(store, query, (chunk) => out.push(chunk)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, query).toBeInstanceOf(ReadOnlyQueryError);
  const message = (err as Error).message;
  expect(message, query).toMatch(what);
  expect(message.includes('\n'), `${query}: one line`).toBe(false);
  return Buffer.concat(out).toString();
}

describe('sql read-only rule', () => {
  it('runs reads of the store and harmless table functions', async () => {
    expect(await run(`SELECT count() AS n FROM ${db}.events`)).toBe('{"n":"0"}\n');
    expect(await run(`WITH 2 AS k SELECT number * k AS n FROM numbers(2)`)).toBe('{"n":"0"}\n{"n":"2"}\n');
    expect(await run(`SELECT a FROM values('a Int8', 7)`)).toBe('{"a":7}\n');
    expect(await run(`SELECT name FROM system.tables WHERE database = '${db}' AND name = 'events'`)).toBe('{"name":"events"}\n');
    expect(await run(`SHOW TABLES FROM ${db} LIKE 'events'`)).toBe('{"name":"events"}\n');
    expect(await run(`DESCRIBE TABLE ${db}.events`)).toMatch(/"name":"event_time"/);
    expect(await run(`EXISTS TABLE ${db}.events`)).toBe('{"result":1}\n');
    expect(await run(`EXPLAIN SYNTAX SELECT 1`)).toMatch(/SELECT 1/);
    expect(await run(`SELECT 'a;b' AS s`).catch((e: Error) => e.message)).toMatch(/";"/);
  });

  it('refuses INTO OUTFILE in every spelling and writes no file', async () => {
    const target = join(dir, 'out.txt');
    for (const q of [
      `SELECT 'x' INTO OUTFILE '${target}' APPEND`,
      `SELECT 'x' INTO /* c */ OUTFILE '${target}'`,
      `SELECT 1 UNION ALL SELECT 2 INTO OUTFILE '${target}'`,
      `SELECT 1 EXCEPT SELECT 2 INTO OUTFILE '${target}'`,
      `WITH 1 AS x SELECT x INTO OUTFILE '${target}' AND STDOUT`,
      `EXPLAIN SELECT 1 INTO OUTFILE '${target}'`,
    ]) {
      await refused(q, /INTO OUTFILE/);
    }
    expect(existsSync(target)).toBe(false);
  });

  it('reads no file outside the store', async () => {
    for (const q of [
      `SELECT * FROM file('${secretFile}', 'LineAsString')`,
      `SELECT file('${secretFile}') AS s`,
      `SELECT FILE('${secretFile}') AS s`,
      `DESCRIBE file('${secretFile}', 'LineAsString')`,
      `SELECT * FROM (SELECT * FROM file('${secretFile}', 'LineAsString'))`,
      `SELECT * FROM view(SELECT file('${secretFile}'))`,
      `SELECT * FROM sqlite('${join(dir, 'x.db')}', 't')`,
    ]) {
      const printed = await refused(q, /function (file|FILE|sqlite)\(\)/);
      expect(printed).not.toContain(SECRET);
    }
    await refused(`INSERT INTO ${db}.events_data FROM INFILE '${secretFile}' FORMAT CSV`, /statement INSERT/);
  });

  it('reaches no network service nor process', async () => {
    for (const [q, fn] of [
      [`SELECT * FROM url('${serverUrl}/x', 'LineAsString')`, 'url'],
      [`SELECT * FROM s3('${serverUrl}/bucket/x', 'LineAsString')`, 's3'],
      [`SELECT * FROM remote('127.0.0.1:9000', system.one)`, 'remote'],
      [`SELECT * FROM mysql('127.0.0.1:3306', 'd', 't', 'u', 'p')`, 'mysql'],
      [`SELECT * FROM postgresql('127.0.0.1:5432', 'd', 't', 'u', 'p')`, 'postgresql'],
      [`SELECT * FROM executable('cat ${secretFile}', 'LineAsString', 'x String')`, 'executable'],
      [`SELECT * FROM dictionary('d')`, 'dictionary'],
      [`SELECT dictGet('d', 'a', 1)`, 'dictGet'],
    ] as const) {
      expect(await refused(q, new RegExp(`function ${fn}\\(\\)`))).not.toContain(SECRET);
    }
    expect(serverHits).toBe(0);
  });

  it('refuses system tables about the host, and SETTINGS', async () => {
    await refused(`SELECT * FROM system.processes`, /table system\.processes/);
    await refused(`SELECT path FROM system.disks`, /table system\.disks/);
    await refused(`SELECT 1 IN system.stack_trace`, /table system\.stack_trace/);
    await refused(`SELECT * FROM ${db}.events SETTINGS readonly = 0`, /readonly mode/);
    // Refused by readonly mode, or (when the clause sets what the query limits already set) by the AST check.
    await refused(`SELECT * FROM numbers(1) SETTINGS max_threads = 1`, /readonly mode|refused SETTINGS/);
  });

  it('refuses more than one statement and every statement that is not a read', async () => {
    await refused(`SELECT 1; DROP TABLE ${db}.events_data`, /more than one statement/);
    for (const q of [
      `CREATE TABLE ${db}.x (a Int8) ENGINE = Memory`,
      `INSERT INTO ${db}.events_data (source_file) VALUES ('x')`,
      `DROP TABLE ${db}.events_data`,
      `ALTER TABLE ${db}.events_data DELETE WHERE 1`,
      `OPTIMIZE TABLE ${db}.events_data`,
      `SYSTEM FLUSH LOGS`,
      `KILL QUERY WHERE 1`,
      `ATTACH TABLE ${db}.y`,
      `GRANT SELECT ON *.* TO default`,
      `SET readonly = 0`,
      `SHOW PROCESSLIST`,
      `SHOW GRANTS`,
    ]) {
      await refused(q, /statement|readonly mode/);
    }
    expect(await run(`SELECT count() AS n FROM system.tables WHERE database = '${db}' AND name IN ('events_data', 'x')`)).toBe('{"n":"1"}\n');
  });

  it("answers a text ClickHouse cannot parse with the engine's syntax error, not a refusal", async () => {
    for (const [query, at] of [
      ['SELEC 1', 'position 1 (SELEC)'],
      ['DELET FROM x', 'position 1 (DELET)'],
      ['SELECT count( FROM numbers(3)', 'position 13 (()'],
      ['SHOW TABLS', 'position 6 (TABLS)'],
    ] as const) {
      const err = await runReadOnlyQuery(store, query, () => undefined).then(() => undefined, (e: unknown) => e as Error);
      expect(err, query).toBeInstanceOf(QuerySyntaxError);
      expect(clickHouseCode(err), query).toEqual({ code: 62, type: 'SYNTAX_ERROR' });
      expect(err?.message, query).toMatch(new RegExp(`^Code: 62\\. DB::Exception: Syntax error: failed at ${at.replace(/[()]/g, '\\$&')}.*[^)]\\. \\(SYNTAX_ERROR\\)$`));
      expect(err?.message, query).not.toContain('formatQuery');
    }
  });
});
