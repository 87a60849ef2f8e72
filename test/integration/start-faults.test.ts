// Faults under `salesinsights start`, with files arriving in its inbox before, during and after
// each: a broker kill -9 and restart, the schema registry down for 30 s, and a kill -9 of `start`
// itself under a backfill-sized load. After each, `start` must by itself ingest and aggregate
// every file (its dashboard shows the uninterrupted run's totals and every component running:
// nobody intervened). It is then stopped with SIGTERM, and a `backfill` of an empty folder on the
// same namespace closes the windows `start` still holds open (the watermark of a live run stays
// behind its newest events), as a backfill does at the end of its input. Then every row of every
// public table equals an uninterrupted backfill of the same files, and the events topic holds
// each valid line once.
// `start` runs as users run it, in its own process, against this file's own broker and registry
// (restarted from here), never the shared ones; the uninterrupted reference runs on the shared ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from '../../ingest/tools/generate.ts';
import type { Config } from '../../core/config.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { cliSql, spawnCli, stopCli, type CliProcess } from '../cli-process.ts';
import { dropIntoInbox, isolatedConfig, readTopic, tempDir, until } from '../helpers.ts';
import { freePort, OwnBroker, OwnRegistry } from '../own-services.ts';
import { difference, dump, rows } from '../table-dump.ts';

let broker: OwnBroker | undefined;
let registry: OwnRegistry | undefined;
const started: CliProcess[] = [];

beforeAll(async () => {
  [broker, registry] = await Promise.all([OwnBroker.create(), OwnRegistry.create()]);
  broker.start();
  registry.start();
  await Promise.all([broker.ready(), registry.ready()]);
}, 240_000);

afterAll(async () => {
  for (const run of started) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await Promise.all([broker?.kill(), registry?.kill()]);
}, 60_000);

/** A namespace and home of its own, on this file's broker and registry. */
const ownConfig = (prefix: string) => isolatedConfig(prefix, { KAFKA_BROKERS: broker!.address, SCHEMA_REGISTRY_URL: registry!.url });

interface Input {
  dir: string;
  files: string[];
}

/**
 * Generated daily slices, each ending in two rows every run rejects and a purchase from the
 * first day, twice, late in every run from the second file on (so that rejected_events and
 * late_events have rows to compare, and lifetime value counts a late purchase once).
 */
async function input(days: number, rowsPerDay: number, seed: number): Promise<Input> {
  const dir = tempDir('start-faults-data');
  const paths = await generate({ days, rowsPerDay, out: dir, seed });
  const first = basename(paths[0]!, '.csv');
  paths.forEach((path, i) => {
    const day = basename(path, '.csv');
    const late = `${first} 00:00:30 UTC,purchase,5809910,1,,b,9.99,${990_001 + i},late-${i}`;
    appendFileSync(path, `${day} 12:00:00 UTC,refund,5809910,1,,b,1.00,1,s\n${day} 12:00:01 UTC,view,5809910,1,,b,-1.00,1,s\n${late}\n${late}\n`);
  });
  return { dir, files: paths.map((p) => basename(p)) };
}

/** One read-only query against a stopped run's store; its JSONEachRow rows. */
function query<T>(c: Config, sql: string): T[] {
  return rows(cliSql(c, sql)).map((line) => JSON.parse(line) as T);
}

interface Totals {
  views: number;
  carts: number;
  purchases: number;
  late: number;
  rejected: number;
}

/** The uninterrupted run: a backfill of the same files, on the shared services. */
async function reference(data: Input): Promise<{ config: Config; totals: Totals }> {
  const config = isolatedConfig('startref');
  const code = await spawnCli(config, ['backfill', data.dir], 'reference').exited;
  if (code !== 0) throw new Error(`the reference backfill exited with ${code}; its log is in ${config.home}`);
  const db = config.namespace;
  const [t] = query<Record<keyof Totals, string>>(
    config,
    `SELECT sum(views) AS views, sum(carts) AS carts, sum(purchases) AS purchases,
            (SELECT count() FROM ${db}.late_events) AS late, (SELECT count() FROM ${db}.rejected_events) AS rejected
     FROM ${db}.sales_per_product`,
  );
  const totals = Object.fromEntries(Object.entries(t!).map(([k, v]) => [k, Number(v)])) as unknown as Totals;
  return { config, totals };
}

/** `salesinsights start` in its own process on a free port; its inbox is `<home>/inbox`. */
class StartRun {
  private constructor(
    readonly proc: CliProcess,
    readonly url: string,
  ) {}

  static async spawn(c: Config, name: string): Promise<StartRun> {
    const port = await freePort();
    const proc = spawnCli(c, ['start'], name, { SALESINSIGHTS_PORT: String(port) });
    started.push(proc);
    return new StartRun(proc, `http://127.0.0.1:${port}`);
  }

  /** Throws when the process has ended: nothing may need a human to start it again. */
  alive(): void {
    const { exitCode, signalCode } = this.proc.child;
    if (exitCode !== null || signalCode !== null) throw new Error(`start ended (${exitCode ?? signalCode}); see ${this.proc.log}`);
  }

  async get<T>(path: string): Promise<T | undefined> {
    this.alive();
    try {
      const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
      return res.ok ? ((await res.json()) as T) : undefined;
    } catch {
      return undefined;
    }
  }

  async ready(): Promise<void> {
    await until(`the dashboard of ${this.proc.log}`, () => this.get('/api/health'), 240_000);
  }
}

interface Health {
  store: { late: number; rejected: number };
  components: Record<string, { state: string; reason?: string }>;
}

/**
 * Waits until `start` shows the reference's totals (the funnel over every window, the late and
 * rejected counts) with every component running, then stops it with SIGTERM.
 */
async function caughtUpAndStopped(run: StartRun, want: Totals): Promise<void> {
  let seen: unknown;
  await until('start to have aggregated every file', async () => {
    const [funnel, health] = await Promise.all([run.get<Totals>('/api/funnel'), run.get<Health>('/api/health')]);
    if (!funnel || !health) return undefined;
    const got = { views: funnel.views, carts: funnel.carts, purchases: funnel.purchases, late: health.store.late, rejected: health.store.rejected };
    seen = { got, components: health.components };
    // Every total only grows: one past the reference's will never come back (a double count, an event wrongly late).
    const keys = Object.keys(want) as Array<keyof Totals>;
    if (keys.some((k) => got[k] > want[k])) throw new Error(`start's totals went past the reference's: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}; see ${run.proc.log}`);
    const same = keys.every((k) => got[k] === want[k]);
    return same && Object.values(health.components).every((s) => s.state === 'running') ? true : undefined;
  }, 180_000).catch((err: Error) => {
    if (err.message.startsWith("start's totals")) throw err;
    throw new Error(`${err.message}: want ${JSON.stringify(want)}, last seen ${JSON.stringify(seen)}; see ${run.proc.log}`);
  });
  expect(await stopCli(run.proc), `start's exit code after SIGTERM (${run.proc.log})`).toBe(0);
}

/**
 * Closes the windows the stopped `start` left open, then compares every public table row by
 * row with the reference, and counts the records of the faulty run's topics.
 */
async function closeAndCompare(faulty: Config, want: Config, faults: string): Promise<void> {
  const close = spawnCli(faulty, ['backfill', tempDir('no-files')], 'close-windows');
  expect(await close.exited, `the closing backfill (${close.log})`).toBe(0);
  const [w, g] = [dump(want, { live: true }), dump(faulty, { live: true })];
  expect(rows(w.sales_per_product!).length).toBeGreaterThan(1000);
  expect(rows(w.customer_lifetime_value!).length).toBeGreaterThan(100);
  expect(rows(w.rejected_events!).length).toBeGreaterThan(0);
  expect(rows(w.late_events!).length).toBeGreaterThan(0);
  for (const table of Object.keys(w)) {
    expect(difference(w[table]!, g[table]!), `${table} differs (${faults}; logs in ${faulty.home})`).toEqual({ missing: [], extra: [] });
  }
  // The tables hide a line produced twice (an exact duplicate counts once): the topics do not.
  const kafka = createKafka(faulty, 'start-faults-check');
  const t = topics(faulty.namespace);
  expect((await readTopic(kafka, t.events, rows(w.events!).length)).length, `records in ${t.events}`).toBe(rows(w.events!).length);
  expect((await readTopic(kafka, t.rejected, rows(w.rejected_events!).length)).length, `records in ${t.rejected}`).toBe(rows(w.rejected_events!).length);
}

/** One fault case: its input, the reference started beside it, and `start` on a namespace of this file's services. */
class Scenario {
  readonly config: Config;
  readonly inbox: string;
  private readonly want: Promise<{ config: Config; totals: Totals }>;
  run!: StartRun;

  private constructor(
    prefix: string,
    readonly data: Input,
  ) {
    this.config = ownConfig(prefix);
    this.inbox = join(this.config.home, 'inbox');
    mkdirSync(this.inbox, { recursive: true });
    this.want = reference(data);
    this.want.catch(() => undefined); // awaited in finish(); not an unhandled rejection meanwhile
  }

  /** Generates the input, starts its reference and a serving `start`. */
  static async begin(prefix: string, days: number, rowsPerDay: number, seed: number): Promise<Scenario> {
    const scenario = new Scenario(prefix, await input(days, rowsPerDay, seed));
    await scenario.start('start');
    return scenario;
  }

  /** A `start` (the first, or the next after a kill), serving once this resolves. */
  async start(name: string): Promise<void> {
    this.run = await StartRun.spawn(this.config, name);
    await this.run.ready();
  }

  get files(): [string, string, string, string, string, string] {
    return this.data.files as [string, string, string, string, string, string];
  }

  drop(...names: string[]): void {
    for (const name of names) dropIntoInbox(this.inbox, name, readFileSync(join(this.data.dir, name), 'utf8'));
  }

  isDone(name: string): boolean {
    return existsSync(join(this.inbox, '.done', name));
  }

  async done(names: string[] = this.data.files): Promise<void> {
    await until(`${names.join(', ')} in .done`, async () => {
      this.run.alive();
      return names.every((n) => this.isDone(n)) ? true : undefined;
    }, 180_000);
  }

  /** `start` catches up by itself and stops; the windows are closed; everything is compared. */
  async finish(faults: string): Promise<void> {
    const { config, totals } = await this.want;
    await caughtUpAndStopped(this.run, totals);
    await closeAndCompare(this.config, config, faults);
  }
}

describe('salesinsights start under faults', () => {
  it('recovers from a broker kill -9 and restart by itself, and ends with the tables of an uninterrupted run', async () => {
    const s = await Scenario.begin('brokerkill', 6, 8000, 11);
    const [f1, f2, f3, f4, f5, f6] = s.files;

    s.drop(f1, f2);
    await s.done([f1]);
    await broker!.kill();
    const during = s.isDone(f2) ? 'after the second file' : 'while the second file was ingested';
    s.drop(f3, f4);
    // Longer than the aggregator's 30 s idle timeout, as a broker restart may well be.
    await sleep(35_000);
    broker!.start();
    await broker!.ready();
    s.drop(f5, f6);
    await s.done();
    await s.finish(`broker killed ${during}`);
  }, 420_000);

  it('rides out the registry down for 30 s while files arrive, and ends with the tables of an uninterrupted run', async () => {
    const s = await Scenario.begin('registrydown', 6, 8000, 12);
    const [f1, f2, f3, f4, f5, f6] = s.files;

    // `start` has registered the schema, but its aggregator has not yet decoded a record, so it
    // needs the registry for the first ones: they arrive while the registry is down. It comes
    // back with its storage (see OwnRegistry): the schema keeps its id.
    await registry!.kill();
    const killedAt = Date.now();
    s.drop(f1, f2);
    await s.done([f1, f2]);
    s.drop(f3);
    await sleep(Math.max(0, killedAt + 30_000 - Date.now()));
    s.run.alive();
    registry!.start();
    await registry!.ready();
    s.drop(f4, f5, f6);
    await s.done();
    await s.finish('registry down for 30 s');
  }, 420_000);

  it('after a kill -9 of start under a backfill-sized load, a new start finishes the files and the tables equal an uninterrupted run', async () => {
    const s = await Scenario.begin('startkill', 2, 100_000, 13);

    s.drop(...s.data.files);
    // Anywhere from the first rows to past the ingestion (the aggregator may still be behind).
    const delay = 500 + Math.floor(Math.random() * 20_000);
    await sleep(delay);
    const landed = `${delay} ms after the drop, ${s.data.files.filter((n) => s.isDone(n)).length} of ${s.data.files.length} files done`;
    expect(await stopCli(s.run.proc, 'SIGKILL')).toBeNull();
    await s.start('start-after-kill');
    await s.done();
    await s.finish(`start killed ${landed}`);
  }, 420_000);
});
