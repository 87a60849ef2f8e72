// Scale-out in real processes on the shared Kafka and registry: one dev store server (a ClickHouse
// HTTP endpoint over the embedded engine), 2 connector processes on 2 inboxes under instance ids
// of their own, 3 aggregator processes splitting 6 partitions, 1 dashboard process, all on one
// namespace. Files arrive in both inboxes over time; meanwhile one aggregator is killed with -9
// and a fourth started. Once the store holds every line and the dashboard shows the reference's
// funnel, every process is stopped and a `backfill` of an empty folder closes the windows and
// sessions the live run holds open (its watermark stays behind its newest events, see
// start-faults.test.ts). Then every public table equals a single-process `backfill` of the same
// files into another namespace, and each line of each file is in the events or rejected topic
// exactly once.
// The files go in one at a time in event-time order, alternating inboxes, as the reference reads
// them (by name): an event is late or not by the order of its partition, which must be the same
// in both runs for late_events and sessions to compare.
import type { Kafka } from 'kafkajs';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.ts';
import { createSchemaRegistry } from '../../core/avro.ts';
import type { RejectedRow, ShopEvent } from '../../core/event.ts';
import { createKafka } from '../../core/kafka.ts';
import { aggregatorGroup, topics } from '../../core/topics.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { readEndpointRecord } from '../../dashboard/query/endpoint-file.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { spawnCli, stopCli, type CliProcess } from '../cli-process.ts';
import { dropIntoInbox, isolatedConfig, readTopic, tempDir, until } from '../helpers.ts';
import { difference, dump, rows } from '../table-dump.ts';

const PARTITIONS = '6';
const began = Date.now();
const seconds = () => ((Date.now() - began) / 1000).toFixed(1);
/** What happened when, for the summary the note quotes. */
const timeline: string[] = [];
const note = (what: string) => timeline.push(`${seconds()} s: ${what}`);

const running: Array<{ name: string; run: CliProcess }> = [];
function spawn(c: Config, args: string[], name: string, env: Record<string, string> = {}): CliProcess {
  const run = spawnCli(c, args, name, { SALESINSIGHTS_PARTITIONS: PARTITIONS, ...env });
  running.push({ name, run });
  note(`started ${name} (pid ${run.child.pid}): ${args.join(' ')}`);
  return run;
}

const log = (run: CliProcess) => readFileSync(run.log, 'utf8');
function alive(name: string, run: CliProcess): void {
  if (run.child.exitCode !== null || run.child.signalCode !== null) throw new Error(`${name} ended (${run.child.exitCode ?? run.child.signalCode}); see ${run.log}`);
}

/** The events partitions of the latest assignment an aggregator logged (none before its first). */
function assigned(run: CliProcess, eventsTopic: string): number[] {
  const last = log(run)
    .split('\n')
    .filter((l) => l.includes('"partitions assigned"'))
    .at(-1);
  return last === undefined ? [] : ((JSON.parse(last) as { assignment: Record<string, number[]> }).assignment[eventsTopic] ?? []);
}

/** The partitions an aggregator restored from their checkpoints after `since` (epoch ms), with their offsets. */
function restored(run: CliProcess, since: number): Array<{ partition: number; nextOffset: number }> {
  return log(run)
    .split('\n')
    .filter((l) => l.includes('"partition restored from checkpoint"'))
    .map((l) => JSON.parse(l) as { time: number; partition: number; nextOffset: number })
    .filter((r) => r.time >= since);
}

/** The aggregators' committed offsets in the events topic (committed with each checkpoint). */
async function committed(kafka: Kafka, namespace: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: aggregatorGroup(namespace), topics: [topics(namespace).events] });
    return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

interface Input {
  dir: string;
  /** Paths in event-time order (the order the reference reads them). */
  files: string[];
}

/**
 * Six generated days, each ending in two rows every run rejects and, from the third file on, a
 * purchase of the first day twice, late in every run (so rejected_events and late_events compare).
 */
async function input(): Promise<Input> {
  const dir = tempDir('scale-out-data');
  const files = await generate({ days: 6, rowsPerDay: 3_000, out: dir, seed: 27 });
  const first = basename(files[0]!, '.csv');
  files.forEach((path, i) => {
    const day = basename(path, '.csv');
    appendFileSync(path, `${day} 12:00:00 UTC,refund,5809910,1,,b,1.00,1,s\n${day} 12:00:01 UTC,view,5809910,1,,b,-1.00,1,s\n`);
    if (i >= 2) {
      const late = `${first} 00:00:30 UTC,purchase,5809910,1,,b,9.99,${990_001 + i},late-${i}`;
      appendFileSync(path, `${late}\n${late}\n`);
    }
  });
  return { dir, files };
}

/** The data lines (2 .. n) of a CSV file. */
function dataLines(file: string): number[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
  return Array.from({ length: lines - 1 }, (_, i) => i + 2);
}

interface Funnel {
  views: number;
  carts: number;
  purchases: number;
}

let data: Input;
let shared: Config;
let reference: Config;

beforeAll(async () => {
  data = await input();
  const serverHome = isolatedConfig('scale_store');
  spawn(serverHome, ['dev-store-server', '--port', '0'], 'dev-store-server', { SALESINSIGHTS_DEV_STORE_SERVER: '1', LOG_LEVEL: 'warn' });
  const url = (await until('the dev store server record', async () => readEndpointRecord(serverHome, 'dev-store-server'), 120_000)).url;
  shared = isolatedConfig('scale_out', { CLICKHOUSE_URL: url, SALESINSIGHTS_PARTITIONS: PARTITIONS });
  reference = isolatedConfig('scale_ref', { CLICKHOUSE_URL: url, SALESINSIGHTS_PARTITIONS: PARTITIONS });
  // The single-process run, first: the machine's two cores go to the scale-out run afterwards.
  const ref = spawn(reference, ['backfill', data.dir], 'reference-backfill');
  expect(await ref.exited, `the reference backfill (${ref.log})`).toBe(0);
  note('reference backfill done');
}, 600_000);

// The last started first (the store server last).
afterAll(async () => {
  for (const { run } of running.reverse()) await stopCli(run, 'SIGKILL');
}, 60_000);

describe('scale-out: connectors, aggregators and a dashboard in processes of their own', () => {
  it('with an aggregator killed -9 and another added while files arrive, the tables equal a single-process backfill and each line is in the topics once', async () => {
    const store = openStore(shared);
    const count = async (c: Config, query: string): Promise<number> => {
      const result = await store.client.query({ query: query.replaceAll('{db}', c.namespace), format: 'JSONEachRow' });
      return Number(((await result.json<{ n: string | number }>())[0] ?? { n: 0 }).n);
    };
    const funnelOf = async (c: Config): Promise<Funnel> => ({
      views: await count(c, 'SELECT sum(views) AS n FROM {db}.sales_per_product'),
      carts: await count(c, 'SELECT sum(carts) AS n FROM {db}.sales_per_product'),
      purchases: await count(c, 'SELECT sum(purchases) AS n FROM {db}.sales_per_product'),
    });
    try {
      const kafka = createKafka(shared, 'scale-out-check');
      const t = topics(shared.namespace);
      const want = await funnelOf(reference);
      const inboxes = [join(shared.home, 'inbox-a'), join(shared.home, 'inbox-b')] as const;
      for (const inbox of inboxes) mkdirSync(inbox, { recursive: true });

      // The dashboard, then three aggregators, then two connectors.
      const dashboard = spawn(shared, ['start', '--role', 'dashboard', '--port', '0'], 'dashboard');
      const dashboardAt = await until('the dashboard URL', async () => {
        alive('dashboard', dashboard);
        return /dashboard: (http:\/\/\S+)/.exec(log(dashboard))?.[1];
      }, 180_000);
      const aggregators = new Map<string, CliProcess>();
      for (const name of ['aggregator-1', 'aggregator-2', 'aggregator-3']) aggregators.set(name, spawn(shared, ['start', '--role', 'aggregator'], name));
      const connectors = inboxes.map((inbox, i) =>
        spawn(shared, ['start', '--role', 'connector', '--inbox', inbox], `connector-${'ab'[i]}`, { SALESINSIGHTS_INSTANCE_ID: `scale-${'ab'[i]}-${shared.namespace.slice(-8)}` }),
      );
      const everyAssigned = async () => {
        for (const [name, run] of aggregators) alive(name, run);
        return [...aggregators.values()].every((run) => assigned(run, t.events).length > 0) ? true : undefined;
      };
      await until('each of the three aggregators assigned partitions', everyAssigned, 240_000, 500);
      note(`aggregators assigned: ${[...aggregators].map(([name, run]) => `${name} [${assigned(run, t.events).join(',')}]`).join(', ')}`);
      await until('both connectors running', async () => (connectors.every((run) => log(run).includes('salesinsights running')) ? true : undefined), 180_000, 500);

      // One file at a time, alternating inboxes; the faults after the second file is in.
      const inboxOf = (i: number) => inboxes[i % 2]!;
      const drop = async (i: number) => {
        const name = basename(data.files[i]!);
        dropIntoInbox(inboxOf(i), name, readFileSync(data.files[i]!, 'utf8'));
        await until(`${name} in ${inboxOf(i)}/.done`, async () => {
          connectors.forEach((run, k) => alive(`connector-${'ab'[k]}`, run));
          return existsSync(join(inboxOf(i), '.done', name)) ? true : undefined;
        }, 240_000, 250);
        note(`${name} ingested by connector-${'ab'[i % 2]}`);
      };
      await drop(0);
      await drop(1);
      // The victim has checkpointed each of its partitions (its committed offsets moved), so their new owners restore them.
      const victim = aggregators.get('aggregator-2')!;
      const held = assigned(victim, t.events);
      const checkpointed = await until('aggregator-2 to have checkpointed its partitions', async () => {
        alive('aggregator-2', victim);
        const offsets = await committed(kafka, shared.namespace);
        return held.every((p) => (offsets.get(p) ?? -1) > 0) ? offsets : undefined;
      }, 180_000, 500);
      const killedAt = Date.now();
      dropIntoInbox(inboxOf(2), basename(data.files[2]!), readFileSync(data.files[2]!, 'utf8'));
      expect(await stopCli(victim, 'SIGKILL')).toBeNull();
      aggregators.delete('aggregator-2');
      note(`kill -9 aggregator-2 (held partitions ${held.join(',')}, committed offsets ${held.map((p) => checkpointed.get(p)).join(',')}) as ${basename(data.files[2]!)} arrived`);
      aggregators.set('aggregator-4', spawn(shared, ['start', '--role', 'aggregator'], 'aggregator-4'));
      await until(`${basename(data.files[2]!)} ingested`, async () => (existsSync(join(inboxOf(2), '.done', basename(data.files[2]!))) ? true : undefined), 240_000, 250);
      note(`${basename(data.files[2]!)} ingested by connector-a`);
      for (let i = 3; i < data.files.length; i++) await drop(i);

      // Every line through the aggregators, and the dashboard's funnel of the reference's.
      const lines = data.files.reduce((n, f) => n + dataLines(f).length, 0);
      const stored = 'SELECT (SELECT count() FROM {db}.events) + (SELECT count() FROM {db}.rejected_events) AS n';
      await until('every line in the events or rejected_events table', async () => {
        for (const [name, run] of aggregators) alive(name, run);
        return (await count(shared, stored)) >= lines ? true : undefined;
      }, 300_000, 1000).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${await count(shared, stored)} of ${lines}; logs in ${shared.home}`);
      });
      note(`every line stored (${lines})`);
      let shown: unknown;
      await until('the dashboard to show the reference funnel', async () => {
        alive('dashboard', dashboard);
        const res = await fetch(`${dashboardAt}/api/funnel`, { signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
        shown = res?.ok ? await res.json() : undefined;
        const got = shown as Funnel | undefined;
        return got && got.views === want.views && got.carts === want.carts && got.purchases === want.purchases ? true : undefined;
      }, 240_000, 1000).catch((err: Error) => {
        throw new Error(`${err.message}: want ${JSON.stringify(want)}, last shown ${JSON.stringify(shown)}`);
      });
      note(`dashboard funnel equals the reference's ${JSON.stringify(want)}`);
      // The fourth aggregator took part of the work; the killed one's partitions were restored from its checkpoints.
      expect(assigned(aggregators.get('aggregator-4')!, t.events).length, 'partitions of aggregator-4').toBeGreaterThan(0);
      const restores = [...aggregators].flatMap(([name, run]) => restored(run, killedAt).map((r) => ({ name, ...r })));
      for (const p of held) {
        const r = restores.find((x) => x.partition === p);
        expect(r, `partition ${p} restored after the kill (${JSON.stringify(restores)})`).toBeDefined();
        expect(r!.nextOffset, `partition ${p}'s restored offset`).toBeGreaterThanOrEqual(checkpointed.get(p)!);
      }
      note(`restored after the kill: ${restores.map((r) => `partition ${r.partition} by ${r.name} at offset ${r.nextOffset}`).join(', ')}`);
      note(`assignments at the end: ${[...aggregators].map(([name, run]) => `${name} [${assigned(run, t.events).join(',')}]`).join(', ')}`);

      // Everything stops cleanly; then the end of input closes what the live run holds open.
      for (const [i, run] of connectors.entries()) expect(await stopCli(run), `connector-${'ab'[i]} exit code (${run.log})`).toBe(0);
      for (const [name, run] of aggregators) expect(await stopCli(run), `${name} exit code (${run.log})`).toBe(0);
      expect(await stopCli(dashboard), `dashboard exit code (${dashboard.log})`).toBe(0);
      note('connectors, aggregators and dashboard stopped with SIGTERM (exit 0)');
      for (const [i, run] of connectors.entries()) expect(log(run), `connector-${'ab'[i]} fenced`).not.toMatch(/epoch|fenced/i);
      const close = spawn(shared, ['backfill', tempDir('scale-out-no-files')], 'close-windows');
      expect(await close.exited, `the closing backfill (${close.log})`).toBe(0);
      note('closing backfill of an empty folder done');

      const [w, g] = [dump(reference, { live: true }), dump(shared, { live: true })];
      expect(rows(w.events!).length).toBeGreaterThan(15_000);
      expect(rows(w.sales_per_product!).length).toBeGreaterThan(1_000);
      expect(rows(w.late_events!).length).toBeGreaterThan(0);
      expect(rows(w.rejected_events!).length).toBeGreaterThan(0);
      expect(rows(w.sessions!).length).toBeGreaterThan(0);
      for (const table of Object.keys(w)) expect(difference(w[table]!, g[table]!), `${table} differs (logs in ${shared.home})`).toEqual({ missing: [], extra: [] });

      // The tables hide a line produced twice (an exact duplicate counts once): the topics do not.
      const rejected = (await readTopic(kafka, t.rejected, rows(w.rejected_events!).length)).map((m) => JSON.parse(m.value!.toString()) as RejectedRow);
      const records = (await readTopic(kafka, t.events, lines - rejected.length)).map((m) => m.value);
      const decoder = new EventDecoder(createSchemaRegistry(shared.schemaRegistryUrl));
      await decoder.prepare(records);
      const events = records.map((r) => decoder.decode(r) as ShopEvent);
      for (const f of data.files) {
        const inTopics = [...events, ...rejected].filter((e) => e.source_file === basename(f)).map((e) => e.source_line);
        expect(inTopics.sort((x, y) => x - y), `lines of ${basename(f)} in the topics`).toEqual(dataLines(f));
      }
      expect(events.length + rejected.length).toBe(lines);
      note(`topics: ${events.length} events + ${rejected.length} rejected = ${lines} lines, each once`);

      console.log(
        [
          `scale-out run: ${data.files.length} files, ${lines} lines, ${PARTITIONS} partitions, namespace ${shared.namespace}, logs in ${shared.home}`,
          ...running.map(({ name, run }) => `  process ${name}: pid ${run.child.pid}, ${run.child.signalCode ?? (run.child.exitCode === null ? 'still running (stopped after the test)' : `exit ${run.child.exitCode}`)}`),
          ...timeline.map((line) => `  ${line}`),
          `  run time ${seconds()} s (reference backfill included)`,
        ].join('\n'),
      );
    } finally {
      await store.close();
    }
  }, 1_500_000);
});
