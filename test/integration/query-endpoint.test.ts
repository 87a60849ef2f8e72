// The query endpoint (ClickHouse's HTTP interface, read-only) over a real embedded store this
// process holds, with a token: auth in every ClickHouse style, @clickhouse/client itself with
// bound parameters, formats (row formats streamed, Parquet/JSON written by the engine), the
// read-only rule, cancellation, and the CLI beside it (sql and export find it by its file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { logger } from '../../core/logger.ts';
import { prepareRuntime } from '../../cli/runtime.ts';
import { writeEndpointFile } from '../../dashboard/query/endpoint-file.ts';
import { startQueryEndpoint } from '../../dashboard/query/server.ts';
import type { Store } from '../../aggregates/store.ts';
import { cliEnv, runCli, type CliRun } from '../cli-process.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';
import { answer, fileRows, seedEvents } from '../store-seed.ts';

const TOKEN = 'query-endpoint-token-0123456789';
const config = isolatedConfig('qend', { SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN });
const db = config.namespace;
const ROWS = 3000;
const dir = tempDir('qend-files');
let store: Store;
let endpoint: { app: FastifyInstance; url: string };
let client: ClickHouseClient;

const bearer = { authorization: `Bearer ${TOKEN}` };

async function post(query: string, params: Record<string, string> = {}, headers: Record<string, string> = bearer): Promise<Response> {
  return fetch(`${endpoint.url}/?${new URLSearchParams(params)}`, { method: 'POST', body: query, headers });
}

beforeAll(async () => {
  store = await prepareRuntime(config, logger);
  await seedEvents(store, ROWS);
  endpoint = await startQueryEndpoint({ config, store, logger, port: 0 });
  // The ML team's client: any user name, the token as the password.
  client = createClient({ url: endpoint.url, username: 'ml-team', password: TOKEN, database: db, log: { level: ClickHouseLogLevel.OFF } });
});

afterAll(async () => {
  await client?.close();
  await endpoint?.app.close();
  await store?.close();
});

describe('query endpoint: ClickHouse clients', () => {
  it('@clickhouse/client pings, and runs a query with bound parameters (JSONEachRow and its default JSON)', async () => {
    expect((await client.ping()).success).toBe(true);
    const rows = await client.query({
      query: 'SELECT count() AS n, {s:String} AS s, {ids:Array(UInt64)} AS ids FROM events WHERE user_id >= {from:UInt64} AND brand = {brand:String}',
      query_params: { s: "it's\ta \\ test", ids: [9007199254740993n], from: 500000000 + 1000, brand: 'brand, "quoted"\nline' },
      format: 'JSONEachRow',
    });
    expect(await rows.json()).toEqual([{ n: String((ROWS - 1000) / 5), s: "it's\ta \\ test", ids: ['9007199254740993'] }]);
    const doc = await (await client.query({ query: 'SELECT event_type, count() AS n FROM events GROUP BY event_type ORDER BY event_type' })).json<{ event_type: string; n: string }>();
    expect(doc.rows).toBe(4);
    expect(doc.data.map((r) => [r.event_type, Number(r.n)])).toEqual([['cart', ROWS / 4], ['purchase', ROWS / 4], ['remove_from_cart', ROWS / 4], ['view', ROWS / 4]]);
  });

  it('@clickhouse/client streams a large result', async () => {
    const result = await client.query({ query: 'SELECT number FROM numbers(500000)', format: 'CSV' });
    let rows = 0;
    for await (const batch of result.stream()) rows += batch.length;
    expect(rows).toBe(500000);
  });

  it('refuses writes, INTO OUTFILE, files, host tables and settings like `sql`, as ClickHouse errors (READONLY)', async () => {
    const target = join(dir, 'out.txt');
    for (const query of [
      `INSERT INTO ${db}.events_data (source_file) VALUES ('x')`,
      `DROP TABLE ${db}.events_data`,
      `SELECT 1 INTO OUTFILE '${target}'`,
      `SELECT * FROM file('/etc/passwd', 'LineAsString')`,
      `SELECT * FROM system.processes`,
      `SELECT 1; DROP TABLE ${db}.events_data`,
      `SELECT * FROM ${db}.events SETTINGS readonly = 0`,
    ]) {
      const err = await client.command({ query }).then(() => undefined, (e: unknown) => e as { code?: string; type?: string; message: string });
      expect(err, query).toMatchObject({ code: '164', type: 'READONLY' });
    }
    expect(existsSync(target)).toBe(false);
    await expect(client.query({ query: 'SELECT 1', clickhouse_settings: { allow_ddl: 1 } })).rejects.toMatchObject({ code: '164' });
    await expect(client.query({ query: 'SELECT * FROM no_such_table' })).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    // A typo is a syntax error, as ClickHouse answers it, not a refused statement.
    const typo = await post('SELEC 1');
    expect([typo.status, typo.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(await typo.text()).toMatch(/^Code: 62\. DB::Exception: Syntax error: failed at position 1 \(SELEC\).*\(SYNTAX_ERROR\)/);
    const system = await post('SELECT * FROM processes', { database: 'system' });
    expect([system.status, system.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
    // The pipeline's connection took no readonly from any of this: the store still writes.
    await seedEvents(store, 1, 'after-reads.csv');
    expect(await answer(store, `SELECT count() AS n FROM ${db}.events WHERE source_file = 'after-reads.csv'`)).toBe('{"n":"1"}\n');
  });
});

describe('query endpoint: HTTP', () => {
  it('GET /ping and GET / answer Ok. without a token; a query needs it as bearer, basic password or X-ClickHouse-Key', async () => {
    for (const path of ['/ping', '/']) expect(await (await fetch(`${endpoint.url}${path}`)).text()).toBe('Ok.\n');
    const q = `${endpoint.url}/?query=${encodeURIComponent('SELECT 41 + 1')}`;
    const none = await fetch(q);
    expect([none.status, none.headers.get('x-clickhouse-exception-code')]).toEqual([401, '516']);
    expect(await none.text()).toMatch(/^Code: 516\. DB::Exception: no token: .*\(AUTHENTICATION_FAILED\)\n$/);
    expect((await fetch(q, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(q, { headers: { authorization: `Basic ${Buffer.from('default:wrong').toString('base64')}` } })).status).toBe(401);
    for (const headers of [bearer, { authorization: `Basic ${Buffer.from(`anyone:${TOKEN}`).toString('base64')}` }, { 'x-clickhouse-user': 'default', 'x-clickhouse-key': TOKEN }]) {
      const res = await fetch(q, { headers });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('42\n');
    }
  });

  it('formats: TabSeparated by default, default_format, the statement FORMAT first; header once over many chunks', async () => {
    expect(await (await post('SELECT 1 AS a, \'x\' AS b')).text()).toBe('1\tx\n');
    expect(await (await post('SELECT 1 AS a', { default_format: 'JSONEachRow' })).text()).toBe('{"a":1}\n');
    expect(await (await post('SELECT 1 AS a FORMAT CSVWithNames', { default_format: 'JSONEachRow' })).text()).toBe('"a"\n1\n');
    const csv = await (await post('SELECT number AS n FROM numbers(300000)', { default_format: 'CSVWithNames' })).text();
    const lines = csv.trimEnd().split('\n');
    expect([lines.length, lines[0], lines[1], lines.at(-1), lines.filter((l) => l === '"n"').length]).toEqual([300001, '"n"', '0', '299999', 1]);
    const json = (await (await post('SELECT number AS n FROM numbers(100000) FORMAT JSON')).json()) as { rows: number; data: unknown[] };
    expect([json.rows, json.data.length]).toEqual([100000, 100000]);
    // GET with the query, database and a bound parameter in the URL.
    const get = await fetch(`${endpoint.url}/?${new URLSearchParams({ query: 'SELECT count() FROM events WHERE product_id = {p:UInt64}', database: db, param_p: '1007' })}`, { headers: bearer });
    expect(await get.text()).toBe(`${ROWS / 50}\n`);
  });

  it('Parquet: one valid file over many row groups, equal to the table when ClickHouse reads it back', async () => {
    const res = await post(`SELECT * FROM events ORDER BY source_line`, { default_format: 'Parquet', output_format_parquet_row_group_size: '500' });
    expect([res.status, res.headers.get('content-type'), res.headers.get('x-clickhouse-format')]).toEqual([200, 'application/octet-stream', 'Parquet']);
    const file = join(dir, 'events.parquet');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const want = await answer(store, `SELECT * FROM ${db}.events ORDER BY source_file, source_line`);
    expect(await fileRows(store, file, 'parquet', 'events', 'source_file, source_line')).toBe(want);
  });

  it('gzip when asked with enable_http_compression=1', async () => {
    const res = await post('SELECT number FROM numbers(1000)', { enable_http_compression: '1' }, { ...bearer, 'accept-encoding': 'gzip' });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch decompresses by itself; the bytes are the same as uncompressed.
    expect(await res.text()).toBe(Array.from({ length: 1000 }, (_, i) => `${i}\n`).join(''));
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const url = new URL(`${endpoint.url}/?enable_http_compression=1&query=${encodeURIComponent('SELECT 7')}`);
      import('node:http').then(({ get }) =>
        get(url, { headers: { ...bearer, 'accept-encoding': 'gzip' } }, (r) => {
          const parts: Buffer[] = [];
          r.on('data', (d: Buffer) => parts.push(d)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
        }),
      );
    });
    expect(gunzipSync(raw).toString()).toBe('7\n');
  });

  it('streams: the first rows of an endless result arrive, and dropping the request cancels its query', async () => {
    for (const format of ['CSV', 'Parquet']) {
      const stop = new AbortController();
      const res = await fetch(`${endpoint.url}/?default_format=${format}`, { method: 'POST', body: 'SELECT number FROM numbers(100000000000)', headers: bearer, signal: stop.signal });
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.value!.length, format).toBeGreaterThan(0);
      if (format === 'Parquet') expect(Buffer.from(first.value!).subarray(0, 4).toString()).toBe('PAR1');
      stop.abort();
      await reader.cancel().catch(() => undefined);
      await until(`the ${format} query to be cancelled`, async () => {
        const running = await answer(store, `SELECT count() AS n FROM system.processes WHERE query LIKE '%numbers(100000000000)%' AND query NOT LIKE '%system.processes%'`);
        return running === '{"n":"0"}\n' ? true : undefined;
      }, 30_000);
    }
    expect(readdirSync(join(config.home, 'run', 'spool'))).toEqual([]);
    expect(await (await post('SELECT 1')).text()).toBe('1\n');
  });

  it('a port in use is a configuration error naming SALESINSIGHTS_QUERY_PORT', async () => {
    const port = Number(new URL(endpoint.url).port);
    await expect(startQueryEndpoint({ config, store, logger, port })).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(new RegExp(`^SALESINSIGHTS_QUERY_PORT: 127\\.0\\.0\\.1:${port} is in use`)),
    });
  });

  it('an error after the first bytes breaks the response (the client does not take it for a whole result)', async () => {
    const res = await post("SELECT throwIf(number = 2000000, 'boom') AS x FROM numbers(3000000)", { default_format: 'CSV', max_block_size: '10000' });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    await expect(
      (async () => {
        const result = await client.query({ query: "SELECT throwIf(number = 2000000, 'boom') AS x FROM numbers(3000000)", format: 'CSV', clickhouse_settings: { max_block_size: '10000' } });
        for await (const batch of result.stream()) void batch;
      })(),
    ).rejects.toThrow();
  });
});

const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> =>
  runCli(args, cliEnv(config, { LOG_LEVEL: 'warn', SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN, ...extra }));

describe('sql and export beside the process that holds the store', () => {
  beforeAll(() => writeEndpointFile(config, endpoint.url));

  it('sql goes through the endpoint with the token; without it, one line naming the setting', async () => {
    const run = await cli(['sql', `SELECT count() AS n, max(category_id) AS c FROM events WHERE source_file = 'seed.csv'`]);
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: `{"n":"${ROWS}","c":"${9007199254740993n + BigInt(ROWS - 1)}"}\n` });
    const refused = await cli(['sql', `DROP TABLE ${db}.events_data`]);
    expect([refused.code, refused.stderr.trim()]).toEqual([2, 'error: sql: refused the statement DROP: only one read-only statement on the store\'s tables is allowed']);
    const typo = await cli(['sql', 'SELEC 1']);
    expect(typo.code).toBe(1);
    expect(typo.stderr.trim()).toMatch(/^error: sql: Code: 62\. DB::Exception: Syntax error: failed at position 1 \(SELEC\): SELEC 1\. /);
    const noToken = await cli(['sql', 'SELECT 1'], { SALESINSIGHTS_DASHBOARD_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr.trim()).toMatch(/^configuration error: SALESINSIGHTS_DASHBOARD_TOKEN: the running start \(pid \d+\) wants its token/);
  });

  it('export writes csv and jsonl equal to the table; a failing query leaves no file', async () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const out = join(dir, `events.${format}`);
      const run = await cli(['export', 'events', '--format', format, '--out', out]);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ out, format, via: 'endpoint' });
      const want = await answer(store, `SELECT * FROM ${db}.events ORDER BY source_file, source_line`);
      expect(await fileRows(store, out, format, 'events', 'source_file, source_line'), format).toBe(want);
    }
    const failed = join(dir, 'failed.csv');
    const run = await cli(['export', "SELECT throwIf(number = 2000000, 'boom') AS x FROM numbers(3000000)", '--format', 'csv', '--out', failed]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: export: .*boom/);
    expect(readdirSync(dir).filter((f) => f.includes('failed'))).toEqual([]);
    expect(readFileSync(join(config.home, 'run', 'query-endpoint.json'), 'utf8')).not.toContain(TOKEN);
  });
});
