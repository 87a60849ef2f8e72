// salesinsights bench: generates data, runs the real pipeline (local Kafka, registry, embedded
// ClickHouse), prints a table, writes a JSON result and appends a row to BENCHMARKS.md.
import { createReadStream } from 'node:fs';
import type { Config, ValidationLimits } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { servicesStatus } from '../services/index.ts';
import { encodeEvent } from '../../core/avro.ts';
import { parseRows } from '../../ingest/rows.ts';
import { benchData, benchDataOptions } from './bench-data.ts';
import { removeNamespaces, withNamespace } from './namespaces.ts';
import { measureLatency, type LatencyResult } from './latency.ts';
import { measureThroughput, type ThroughputResult } from './throughput.ts';
import { recordRun, runRecord, type BenchmarksTable, type RunRecord } from './record.ts';

export interface BenchOptions {
  events: number;
  latencySeconds: number;
}

export interface BenchResult extends RunRecord {
  throughput: ThroughputResult;
  latency: LatencyResult[];
  peakRssMb: Record<string, number>;
  bytesPerEvent: { avro: number; json: number };
}

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

export async function runBench(config: Config, logger: Logger, options: BenchOptions, command: string): Promise<BenchResult> {
  const run = `bench_${Date.now().toString(36)}`;
  const base: Config = { ...config, namespace: run };
  const data = benchDataOptions(config.home, options.events);
  const dataDir = data.out;
  const files = await benchData(data);
  logger.info({ events: options.events, days: data.days, dataDir }, 'bench: data ready');

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
    ...runRecord(command),
    throughput,
    latency,
    peakRssMb,
    bytesPerEvent: await bytesPerEvent(files[0]!, config.ingest),
  };
  await recordRun(run, result, RESULTS_TABLE, benchmarkRow(result));
  return result;
}

const ms = (n: number | null) => (n === null ? '-' : `${n}`);

export function formatTable(r: BenchResult): string {
  const t = r.throughput;
  const lines = [
    `events                          ${t.events}`,
    `connector rows/s                ${t.connectorRowsPerSecond}`,
    `aggregator events/s             ${t.aggregatorEventsPerSecond}`,
    `backfill end-to-end events/s    ${t.backfillEventsPerSecond} (${t.backfillSeconds} s)`,
    `open sessions, peak             ${t.sessions.peakOpen} (${(t.sessions.peakBytes / 2 ** 20).toFixed(1)} MB written)`,
    ...r.latency.flatMap((l) => [
      `latency ${l.speed}x to push ms         p50 ${ms(l.toPush.p50)}  p95 ${ms(l.toPush.p95)}  p99 ${ms(l.toPush.p99)}  (n=${l.toPush.samples})`,
      `latency ${l.speed}x to store ms        p50 ${ms(l.toStore.p50)}  p95 ${ms(l.toStore.p95)}  p99 ${ms(l.toStore.p99)}  (n=${l.toStore.samples})`,
    ]),
    ...Object.entries(r.peakRssMb).map(([k, v]) => `RSS ${k}: ${v} MB`),
    `bytes/event                     Avro ${r.bytesPerEvent.avro}, JSON ${r.bytesPerEvent.json}`,
  ];
  return lines.join('\n');
}

export const RESULTS_TABLE: BenchmarksTable = {
  title: 'Results',
  header: ['date', 'machine', 'commit', 'command', 'events', 'connector rows/s', 'aggregator ev/s', 'backfill ev/s', '1x push p50/p99 ms', '1x store p99 ms', '10x push p50/p99 ms', '10x store p99 ms', 'app peak RSS MB', 'Avro/JSON bytes'],
};

function benchmarkRow(r: BenchResult): string[] {
  const [one, ten] = r.latency;
  const t = r.throughput;
  return [
    r.date.slice(0, 16), r.machine, r.commit, `\`${r.command}\``, `${t.events}`, `${t.connectorRowsPerSecond}`, `${t.aggregatorEventsPerSecond}`, `${t.backfillEventsPerSecond}`,
    `${ms(one?.toPush.p50 ?? null)}/${ms(one?.toPush.p99 ?? null)}`, ms(one?.toStore.p99 ?? null),
    `${ms(ten?.toPush.p50 ?? null)}/${ms(ten?.toPush.p99 ?? null)}`, ms(ten?.toStore.p99 ?? null),
    `${Object.values(r.peakRssMb)[0]}`, `${r.bytesPerEvent.avro}/${r.bytesPerEvent.json}`,
  ];
}
