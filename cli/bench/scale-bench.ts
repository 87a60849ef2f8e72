// salesinsights bench --users-scale N: the scale phase alone (scale.ts) on data of N times the user
// population; the plain bench's other phases (the connector and the aggregator apart, latency,
// bytes per event) are skipped. Prints a table, writes a JSON result and adds a row to
// BENCHMARKS.md's "Scale results".
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { benchData, benchDataOptions } from './bench-data.ts';
import { removeNamespaces, withNamespace } from './namespaces.ts';
import { measureScale, type ScaleResult } from './scale.ts';
import { recordRun, runRecord, type BenchmarksTable, type RunRecord } from './record.ts';

export interface ScaleBenchResult extends RunRecord {
  scale: ScaleResult;
}

export async function runScaleBench(config: Config, logger: Logger, options: { events: number; usersScale: number }, command: string): Promise<ScaleBenchResult> {
  const run = `bench_${Date.now().toString(36)}`;
  const data = benchDataOptions(config.home, options.events, options.usersScale);
  await benchData(data);
  logger.info({ ...options, days: data.days, dataDir: data.out }, 'bench: data ready');
  const phase = withNamespace({ ...config, namespace: run }, `scale${options.usersScale}`);
  const scale = await measureScale(data.out, phase, logger, options.usersScale).finally(() => removeNamespaces([phase], logger));
  const result: ScaleBenchResult = { ...runRecord(command), scale };
  await recordRun(run, result, SCALE_RESULTS, scaleRow(result));
  return result;
}

const ms = (n: number | null) => (n === null ? '-' : `${n}`);

/** The measurements, labelled: the printed table's lines and the columns of BENCHMARKS.md's table. */
const MEASUREMENTS: Array<[string, (s: ScaleResult) => string]> = [
  ['events', (s) => `${s.events}`],
  ['users scale', (s) => `${s.usersScale}`],
  ['customers', (s) => `${s.customers}`],
  ['backfill ev/s (s)', (s) => `${s.backfillEventsPerSecond} (${s.backfillSeconds})`],
  ['peak RSS MB', (s) => `${s.peakRssMb}`],
  ['RSS MB run/last ckpt/after', (s) => `${s.rssMb.beforeLastCheckpoint}/${s.rssMb.lastCheckpoint}/${s.rssMb.afterLastCheckpoint}`],
  ['state in memory MB (keys)', (s) => `${(s.stateInMemory.bytes / 2 ** 20).toFixed(1)} (${s.stateInMemory.keys})`],
  ['checkpoint p50/p99 ms (n)', (s) => `${ms(s.checkpointMs.p50)}/${ms(s.checkpointMs.p99)} (${s.checkpointMs.samples})`],
  ['restore ms', (s) => `${s.restoreMs}`],
  ['state on disk MB', (s) => (s.stateOnDiskBytes / 2 ** 20).toFixed(1)],
];

const SCALE_RESULTS: BenchmarksTable = {
  title: 'Scale results',
  header: ['date', 'machine', 'commit', 'command', ...MEASUREMENTS.map(([label]) => label)],
};

function scaleRow(r: ScaleBenchResult): string[] {
  return [r.date.slice(0, 16), r.machine, r.commit, `\`${r.command}\``, ...MEASUREMENTS.map(([, value]) => value(r.scale))];
}

export function formatScaleTable(r: ScaleBenchResult): string {
  return [
    'scale phase only (backfill, then restore): with --users-scale the other phases are skipped',
    ...MEASUREMENTS.map(([label, value]) => `${label.padEnd(32)}${value(r.scale)}`),
  ].join('\n');
}
