// Kafka over SASL_SSL (SCRAM-SHA-512, a private CA): the CLI's connector, aggregator and reset
// against the project's own broker started with such a listener (test/sasl-broker.ts), and a
// wrong password ending the command at once with one clear line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../core/config.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { reduceCsv } from '../reference.ts';
import { SASL_USER, startSaslBroker, type SaslBroker } from '../sasl-broker.ts';
import { runCli, type CliRun } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const REGISTRY = 'http://127.0.0.1:18081/apis/ccompat/v7';
const COMMAND_TIMEOUT_MS = 120_000;
/** A refused login is not retried: well under the general wait for an unreachable broker. */
const REFUSED_TIMEOUT_MS = 30_000;

const dataDir = tempDir('sasl-data');
const homes: string[] = [];
let broker: SaslBroker | undefined;
let files: string[] = [];

beforeAll(async () => {
  files = await generate({ days: 2, rowsPerDay: 1000, out: dataDir, seed: 9 });
  // The jars are the ones global-setup's `services up` resolved into the shared cache.
  broker = await startSaslBroker(loadConfig({ ...process.env, SALESINSIGHTS_HOME: undefined }).cacheDir);
}, 180_000);

afterAll(async () => {
  await broker?.stop();
  for (const dir of [dataDir, ...homes]) rmSync(dir, { recursive: true, force: true });
});

/** The environment of a CLI run against the SASL broker, in a namespace and home of its own. */
function cliEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  if (!broker) throw new Error('the SASL_SSL broker did not start');
  const env = { ...broker.env, SCHEMA_REGISTRY_URL: REGISTRY, ...extra };
  const config = isolatedConfig(prefix, env);
  homes.push(config.home);
  return { ...env, SALESINSIGHTS_HOME: config.home, SALESINSIGHTS_NAMESPACE: config.namespace };
}

const cli = (args: string[], env: Record<string, string>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CliRun> => runCli(args, { ...process.env, ...env }, timeoutMs);

async function sqlRow(env: Record<string, string>, query: string): Promise<Record<string, string>> {
  const run = await cli(['sql', query], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim()) as Record<string, string>;
}

async function namespaceTopics(env: Record<string, string>): Promise<string[]> {
  const admin = createKafka(loadConfig({ ...process.env, ...env }), 'sasl-test-admin').admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.startsWith(`${env.SALESINSIGHTS_NAMESPACE}.`));
  } finally {
    await admin.disconnect();
  }
}

/** The lines of stderr that say the login was refused. */
const refusedLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('authentication failed for "alice"'));

describe('Kafka over SASL_SSL with SCRAM-SHA-512', () => {
  it('backfill runs connector and aggregator over it, the store matches the input, and reset drops the topics', async () => {
    const env = cliEnv('sasl');
    const run = await cli(['backfill', dataDir], env);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    const reference = reduceCsv(files, new Set());
    expect(summary).toMatchObject({ files: 2, failedFiles: [], rowsThisRun: 2000, rejectedThisRun: 0, eventsProcessed: 2000, events: 2000, late: 0 });
    expect(reference.validRows).toBe(2000);

    const db = env.SALESINSIGHTS_NAMESPACE;
    const sales = await sqlRow(env, `SELECT count() AS rows, sum(purchases) AS purchases, sum(views) AS views, sum(carts) AS carts, sum(removals) AS removals, toString(sum(revenue)) AS revenue, min(is_final) AS final FROM ${db}.sales_per_product`);
    const want = [...reference.sales.values()].reduce(
      (n, s) => ({ purchases: n.purchases + s.purchases, views: n.views + s.views, carts: n.carts + s.carts, removals: n.removals + s.removals, cents: n.cents + s.revenueCents }),
      { purchases: 0, views: 0, carts: 0, removals: 0, cents: 0 },
    );
    expect(Number(sales.rows)).toBe(reference.sales.size);
    expect({ purchases: Number(sales.purchases), views: Number(sales.views), carts: Number(sales.carts), removals: Number(sales.removals), cents: Math.round(Number(sales.revenue) * 100) }).toEqual(want);
    expect(Number(sales.final)).toBe(1);
    const customers = await sqlRow(env, `SELECT count() AS n, sum(purchases) AS purchases FROM ${db}.customer_lifetime_value`);
    expect(Number(customers.n)).toBe(reference.customers.size);
    expect(Number(customers.purchases)).toBe([...reference.customers.values()].reduce((n, c) => n + c.purchases, 0));

    expect(await namespaceTopics(env)).toEqual(expect.arrayContaining([topics(db!).events, topics(db!).salesPerProduct]));
    const reset = await cli(['reset'], env);
    expect(reset.code, reset.stderr.slice(-3000)).toBe(0);
    expect(await namespaceTopics(env)).toEqual([]);
  });

  it.each([
    ['backfill', () => ['backfill', dataDir]],
    ['reset', () => ['reset']],
  ])('%s with a wrong password exits at once with one line naming the settings', async (_name, args) => {
    const env = cliEnv('saslbad', { KAFKA_SASL_PASSWORD: 'not-alice-secret' });
    const run = await cli(args(), env, REFUSED_TIMEOUT_MS);
    expect(run.signal, `still running after ${REFUSED_TIMEOUT_MS} ms:\n${run.stderr.slice(-2000)}`).toBeNull();
    expect(run.code).not.toBe(0);
    const lines = refusedLines(run.stderr);
    expect(lines, run.stderr.slice(-3000)).toHaveLength(1);
    expect(lines[0]).toMatch(/^configuration error: KAFKA_SASL_USERNAME: authentication failed for "alice" \(scram-sha-512\) at 127\.0\.0\.1:29092; check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    expect(run.stderr).not.toContain('not-alice-secret');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(await namespaceTopics({ ...env, KAFKA_SASL_PASSWORD: SASL_USER.password })).toEqual([]);
  });

  it("TLS: without KAFKA_SSL_CA_FILE the broker's certificate from a private CA is refused", async () => {
    const withoutCa = cliEnv('saslnoca');
    delete withoutCa.KAFKA_SSL_CA_FILE;
    const admin = createKafka(loadConfig({ ...process.env, ...withoutCa }), 'sasl-test-no-ca', { retry: { retries: 0 } }).admin();
    await expect(admin.connect()).rejects.toThrow(/self-signed certificate/);
    await admin.disconnect();
  });
});
