// The sql and reset commands on the real store and broker; the CLI's one-line errors (configuration
// and any other failure) and its log formats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { logger } from '../../core/logger.ts';
import { prepareRuntime } from '../../cli/runtime.ts';
import { runReadOnlyQuery } from '../../aggregates/read-only.ts';
import { reset } from '../../cli/commands/reset.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { runCli, type CliRun } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const config = isolatedConfig('commands');

describe('sql', () => {
  it('answers a read query as JSONEachRow and refuses anything that writes', async () => {
    const store = await prepareRuntime(config, logger);
    try {
      const out: Buffer[] = [];
      const rows = await runReadOnlyQuery(store, `SELECT number AS n FROM numbers(3)`, (chunk) => out.push(chunk));
      expect(rows).toBe(3);
      expect(Buffer.concat(out).toString()).toBe('{"n":"0"}\n{"n":"1"}\n{"n":"2"}\n');
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

/** The CLI in this file's home and namespace; killed after `timeoutMs` (the failure mode, not a timing assertion). */
function cli(args: string[], extraEnv: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return runCli(args, { ...process.env, SALESINSIGHTS_HOME: config.home, SALESINSIGHTS_NAMESPACE: config.namespace, ...extraEnv }, timeoutMs);
}

/** Exit 2 with exactly one `configuration error:` line, no stack trace; returns that line. */
function oneConfigLine(run: CliRun): string {
  expect(run.signal, `still running at the test's bound:\n${run.stderr.slice(-2000)}`).toBeNull();
  expect(run.code, run.stderr.slice(-2000)).toBe(2);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('configuration error:'));
  expect(lines, run.stderr.slice(-2000)).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('configuration errors end a command with one line naming the setting', () => {
  it('LOG_LEVEL=loud', async () => {
    const line = oneConfigLine(await cli(['services', 'status'], { LOG_LEVEL: 'loud' }));
    expect(line).toBe('configuration error: LOG_LEVEL: "loud" is not a level; expected one of fatal, error, warn, info, debug, trace, silent');
  });

  it('SALESINSIGHTS_HOST beyond loopback without a token, and start --host the same', async () => {
    expect(oneConfigLine(await cli(['start'], { SALESINSIGHTS_HOST: '0.0.0.0' }))).toMatch(
      /^configuration error: SALESINSIGHTS_HOST: "0\.0\.0\.0" is beyond loopback and SALESINSIGHTS_DASHBOARD_TOKEN is not set; set SALESINSIGHTS_DASHBOARD_TOKEN/,
    );
    expect(oneConfigLine(await cli(['start', '--host', '0.0.0.0', '--port', '0'], {}))).toMatch(/^configuration error: --host: "0\.0\.0\.0" is beyond loopback/);
  });

  it('a bad flag of any command, before the command does anything: no home, no topic', async () => {
    const home = join(tempDir('commands-flags'), 'home');
    const namespace = `${config.namespace}_flags`;
    const env = { SALESINSIGHTS_HOME: home, SALESINSIGHTS_NAMESPACE: namespace };
    const cases: Array<[string[], string]> = [
      [['start', '--port', 'abc'], 'configuration error: --port: "abc" is not a port; expected an integer 0-65535'],
      [['start', '--query-port', '70000'], 'configuration error: --query-port: "70000" is not a port; expected an integer 0-65535'],
      [['start', '--port', '3000.5', '--demo'], 'configuration error: --port: "3000.5" is not a port; expected an integer 0-65535'],
      [['replay', '--interval', 'soon'], 'configuration error: --interval: "soon" is not a duration; expected for example 60s, 500ms or 2m'],
      [['replay', '--speed', '0'], 'configuration error: --speed: "0" must be a positive number'],
      [['bench', '--events', 'lots'], 'configuration error: --events: "lots" must be a positive integer'],
      [['bench', '--latency-seconds', '1.5'], 'configuration error: --latency-seconds: "1.5" must be a positive integer'],
      [['generate', '--days', '2', '--rows-per-day', '5', '--out', join(home, 'gen'), '--start-day', '2019-02-30'], 'configuration error: --start-day: "2019-02-30" is not a day; expected YYYY-MM-DD, for example 2019-10-01'],
      [['generate', '--days', '0', '--rows-per-day', '5', '--out', join(home, 'gen')], 'configuration error: --days: "0" must be a positive integer'],
      [['connect', '--inbox', ''], 'configuration error: --inbox: must not be empty'],
      [['services', 'restart'], 'configuration error: services: "restart" is not one of up, down, status'],
    ];
    for (const [args, expected] of cases) expect(oneConfigLine(await cli(args, env)), args.join(' ')).toBe(expected);
    // A usage error (commander's own line) exits 2 as well.
    const unknown = await cli(['start', '--prot', '3000'], env);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr.trim()).toBe("error: unknown option '--prot'\n(Did you mean --port?)");
    expect(existsSync(home), 'the home was created').toBe(false);
    const admin = createKafka(config, 'flags-test').admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  describe('an external broker or registry that does not answer', () => {
    const dir = tempDir('commands-empty');
    /** An ordinary web server: 404 HTML for everything, like a wrong SCHEMA_REGISTRY_URL. */
    let web: Server;
    let webUrl = '';
    beforeAll(async () => {
      web = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>'));
      web.listen(0, '127.0.0.1');
      await once(web, 'listening');
      webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => web.close(() => resolve())));

    it.each([['backfill'], ['reset']])('KAFKA_BROKERS=127.0.0.1:1: %s', async (command) => {
      const line = oneConfigLine(await cli(command === 'backfill' ? ['backfill', dir] : [command], { KAFKA_BROKERS: '127.0.0.1:1' }));
      expect(line).toMatch(
        /^configuration error: KAFKA_BROKERS: no broker answered at 127\.0\.0\.1:1 within \d+ s \(connection refused\); check the address or unset KAFKA_BROKERS to use the local services$/,
      );
    });

    it('SCHEMA_REGISTRY_URL at a web server that is not a registry: backfill', async () => {
      const line = oneConfigLine(await cli(['backfill', dir], { SCHEMA_REGISTRY_URL: webUrl }));
      expect(line).toContain(`configuration error: SCHEMA_REGISTRY_URL: no schema registry (Confluent API, GET /subjects) answered at ${webUrl} within`);
      expect(line).toContain('(GET /subjects answered 404); check the address or unset SCHEMA_REGISTRY_URL');
    });
  });
});

describe('a failing command ends with one line: the command, what went wrong, what to do', () => {
  const info = { LOG_LEVEL: 'info' };

  /** Exit non-zero with exactly one non-empty stderr line, `error: …`, and no stack trace; returns that line. */
  function oneErrorLine(run: CliRun, code = 1): string {
    expect(run.signal, run.stderr.slice(-2000)).toBeNull();
    expect(run.code, run.stderr.slice(-2000)).toBe(code);
    const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, run.stderr.slice(-2000)).toHaveLength(1);
    expect(run.stderr).not.toMatch(/^\s*at /m);
    expect(lines[0]).toMatch(/^error: /);
    return lines[0]!;
  }

  it('sql "DROP TABLE x": refused, exit 2', async () => {
    expect(oneErrorLine(await cli(['sql', 'DROP TABLE x'], info), 2)).toMatch(/^error: sql[: ].*\bDROP\b/);
  });

  it('sql of a typo: the engine\'s syntax error, not a refusal, exit 1', async () => {
    expect(oneErrorLine(await cli(['sql', 'SELEC 1'], info))).toMatch(
      /^error: sql: Code: 62\. DB::Exception: Syntax error: failed at position 1 \(SELEC\): SELEC 1\. Expected one of: [^…]+, …\. \(SYNTAX_ERROR\)$/,
    );
  });

  it('sql of a table that does not exist: the store\'s message on the line, exit 1', async () => {
    expect(oneErrorLine(await cli(['sql', 'SELECT * FROM no_such_table'], info))).toMatch(/^error: sql: .*no_such_table.*\(UNKNOWN_TABLE\)$/);
  });

  it('split of a file that does not exist: no output folder made', async () => {
    const out = tempDir('commands-split');
    expect(oneErrorLine(await cli(['split', join(out, 'missing.csv'), '--out', join(out, 'days')], info))).toBe(
      `error: split: ENOENT: no such file or directory, open '${join(out, 'missing.csv')}'`,
    );
    expect(existsSync(join(out, 'days'))).toBe(false);
  });

  it('sql while another process holds the embedded store: says so, and what to do', async () => {
    const holder = openStore(config);
    try {
      await holder.client.query({ query: 'SELECT 1' });
      expect(oneErrorLine(await cli(['sql', 'SELECT 1'], info))).toMatch(/^error: sql: the embedded store .* is open in another process \(pid \d+\)/);
    } finally {
      await holder.close();
    }
  });

  it('LOG_LEVEL=debug adds the stack before the line', async () => {
    const json = await cli(['sql', 'DROP TABLE x'], { LOG_LEVEL: 'debug' });
    expect(json.code).toBe(2);
    const lines = json.stderr.split('\n').filter((l) => l !== '');
    expect(lines.at(-1)).toMatch(/^error: sql[: ].*\bDROP\b/);
    const entry = lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg?: string; err?: { stack?: string } }) : {})).find((e) => e.msg === 'sql failed');
    expect(entry?.err?.stack, json.stderr).toMatch(/\n\s+at /);

    const pretty = await cli(['sql', 'DROP TABLE x'], { LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty' });
    expect(pretty.stderr).toMatch(/^\s+at /m);
    expect(pretty.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error: sql[: ].*\bDROP\b/);
  });
});

describe('LOG_FORMAT', () => {
  it('json: every stderr line is a JSON log entry', async () => {
    const run = await cli(['services', 'up'], { LOG_LEVEL: 'info', LOG_FORMAT: 'json' });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: 30, time: expect.any(Number), msg: expect.any(String) });
  });

  it('pretty: one human line per entry, without colours when stderr is not a terminal', async () => {
    const run = await cli(['services', 'up'], { LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: (kafka|schema-registry) /);
    expect(run.stderr).not.toContain('\u001b[');
  });

  it('anything else is a configuration error', async () => {
    expect(oneConfigLine(await cli(['services', 'status'], { LOG_FORMAT: 'yaml' }))).toBe(
      'configuration error: LOG_FORMAT: "yaml" is not a format; expected pretty or json (default: pretty in a terminal, json otherwise)',
    );
  });
});
