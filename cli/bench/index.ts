// salesinsights bench: generates data, runs the real pipeline (local Kafka, registry, embedded
// ClickHouse), prints a table, writes a JSON result and appends a row to BENCHMARKS.md.
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Config, ValidationLimits } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { servicesStatus } from '../services/index.ts';
import { reset } from '../commands/reset.ts';
import { encodeEvent } from '../../core/avro.ts';
import { parseRows } from '../../ingest/rows.ts';
import { generate, type GenerateOptions } from '../../ingest/tools/generate.ts';
import { measureLatency, type LatencyResult } from './latency.ts';
import { measureThroughput, type ThroughputResult } from './throughput.ts';

export interface BenchOptions {
  events: number;
  latencySeconds: number;
}

export interface BenchResult {
  date: string;
  machine: string;
  commit: string;
  command: string;
  throughput: ThroughputResult;
  latency: LatencyResult[];
  peakRssMb: Record<string, number>;
  bytesPerEvent: { avro: number; json: number };
}

const DAY_ROWS = 136_000;

async function bytesPerEvent(file: string, limits: ValidationLimits): Promise<{ avro: number; json: number }> {
  let avroBytes = 0;
  let jsonBytes = 0;
  let n = 0;
  for await (const row of parseRows(createReadStream(file), 'sample.csv', '', limits)) {
    if (!row.ok) continue;
    avroBytes += encodeEvent(1, row.event).length;
    jsonBytes += Buffer.byteLength(JSON.stringify(row.event, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    if (++n >= 20_000) break;
  }
  return { avro: Math.round((avroBytes / n) * 10) / 10, json: Math.round((jsonBytes / n) * 10) / 10 };
}

/**
 * The generated files, made once per options and generator: generating them in the benchmark's own
 * process just before the backfill would leave it a large old generation to collect and the disk
 * busy writing them back, and the backfill phase slower than a standalone backfill.
 */
async function benchData(options: GenerateOptions): Promise<string[]> {
  const marker = join(options.out, '.generated.json');
  const source = await readFile(fileURLToPath(new URL('../../ingest/tools/generate.ts', import.meta.url)));
  const made = { options, generator: createHash('sha256').update(source).digest('hex') };
  const found = JSON.parse(await readFile(marker, 'utf8').catch(() => 'null')) as (typeof made & { files: string[] }) | null;
  const exists = (f: string) => stat(f).then(() => true, () => false);
  if (found && JSON.stringify({ options: found.options, generator: found.generator }) === JSON.stringify(made)) {
    if ((await Promise.all(found.files.map(exists))).every(Boolean)) return found.files;
  }
  const files = await generate(options);
  await writeFile(marker, JSON.stringify({ ...made, files }));
  return files;
}

/** Drops the namespaces' topics, groups, tables and subjects; a failure is only reported. */
async function removeNamespaces(configs: Config[], logger: Logger): Promise<void> {
  for (const config of configs) {
    await reset(config, logger).catch((err: unknown) =>
      logger.warn({ err, namespace: config.namespace }, `bench: namespace not removed; SALESINSIGHTS_NAMESPACE=${config.namespace} salesinsights reset removes it`),
    );
  }
}

function withNamespace(config: Config, suffix: string): Config {
  // One embedded store per process: every phase shares the home, each has its own namespace.
  return { ...config, namespace: `${config.namespace}_${suffix}` };
}

export async function runBench(config: Config, logger: Logger, options: BenchOptions, command: string): Promise<BenchResult> {
  const run = `bench_${Date.now().toString(36)}`;
  const base: Config = { ...config, namespace: run };
  const dataDir = join(config.home, 'bench-data', String(options.events));
  const days = Math.max(1, Math.round(options.events / DAY_ROWS));
  const files = await benchData({ days, rowsPerDay: Math.ceil(options.events / days), out: dataDir, seed: 2020 });
  logger.info({ events: options.events, days, dataDir }, 'bench: data ready');

  // Each phase's namespace is removed once measured: a full run leaves about 25 GB of topics and
  // tables otherwise, and a few runs fill the disk under the broker.
  const phases = { together: withNamespace(base, 'e2e'), apart: withNamespace(base, 'apart') };
  const throughput = await measureThroughput(dataDir, phases, logger).finally(() => removeNamespaces([phases.together, phases.apart], logger));
  logger.info(throughput, 'bench: throughput measured');
  const latency: LatencyResult[] = [];
  for (const speed of [1, 10]) {
    const phase = withNamespace(base, `lat${speed}`);
    latency.push(await measureLatency(phase, logger, speed, options.latencySeconds).finally(() => removeNamespaces([phase], logger)));
    logger.info(latency[latency.length - 1], 'bench: latency measured');
  }
  const services = await servicesStatus(config);
  const peakRssMb: Record<string, number> = {
    'salesinsights (connector + aggregator + embedded ClickHouse)': Math.round(process.resourceUsage().maxRSS / 1024),
  };
  for (const s of services) if (s.rssMb) peakRssMb[`${s.name} (current)`] = s.rssMb;

  const result: BenchResult = {
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    commit: commitOf(),
    command,
    throughput,
    latency,
    peakRssMb,
    bytesPerEvent: await bytesPerEvent(files[0]!, config.ingest),
  };
  await mkdir('bench-results', { recursive: true });
  await writeFile(join('bench-results', `${run}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await appendBenchmarkRow(result);
  return result;
}

function commitOf(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const ms = (n: number | null) => (n === null ? '-' : `${n}`);

export function formatTable(r: BenchResult): string {
  const t = r.throughput;
  const lines = [
    `events                          ${t.events}`,
    `connector rows/s                ${t.connectorRowsPerSecond}`,
    `aggregator events/s             ${t.aggregatorEventsPerSecond}`,
    `backfill end-to-end events/s    ${t.backfillEventsPerSecond} (${t.backfillSeconds} s)`,
    ...r.latency.flatMap((l) => [
      `latency ${l.speed}x to push ms         p50 ${ms(l.toPush.p50)}  p95 ${ms(l.toPush.p95)}  p99 ${ms(l.toPush.p99)}  (n=${l.toPush.samples})`,
      `latency ${l.speed}x to store ms        p50 ${ms(l.toStore.p50)}  p95 ${ms(l.toStore.p95)}  p99 ${ms(l.toStore.p99)}  (n=${l.toStore.samples})`,
    ]),
    ...Object.entries(r.peakRssMb).map(([k, v]) => `RSS ${k}: ${v} MB`),
    `bytes/event                     Avro ${r.bytesPerEvent.avro}, JSON ${r.bytesPerEvent.json}`,
  ];
  return lines.join('\n');
}

async function appendBenchmarkRow(r: BenchResult): Promise<void> {
  const path = 'BENCHMARKS.md';
  const existing = await readFile(path, 'utf8').catch(() => '');
  if (!existing.includes('| date |')) {
    await appendFile(
      path,
      `\n## Results\n\n| date | machine | commit | command | events | connector rows/s | aggregator ev/s | backfill ev/s | 1x push p50/p99 ms | 1x store p99 ms | 10x push p50/p99 ms | 10x store p99 ms | app peak RSS MB | Avro/JSON bytes |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n`,
    );
  }
  const [one, ten] = r.latency;
  const app = Object.values(r.peakRssMb)[0];
  await appendFile(
    path,
    `| ${r.date.slice(0, 16)} | ${r.machine} | ${r.commit} | \`${r.command}\` | ${r.throughput.events} | ${r.throughput.connectorRowsPerSecond} | ${r.throughput.aggregatorEventsPerSecond} | ${r.throughput.backfillEventsPerSecond} | ${ms(one?.toPush.p50 ?? null)}/${ms(one?.toPush.p99 ?? null)} | ${ms(one?.toStore.p99 ?? null)} | ${ms(ten?.toPush.p50 ?? null)}/${ms(ten?.toPush.p99 ?? null)} | ${ms(ten?.toStore.p99 ?? null)} | ${app} | ${r.bytesPerEvent.avro}/${r.bytesPerEvent.json} |\n`,
  );
}

