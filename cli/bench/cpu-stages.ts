// CPU per pipeline stage from V8 CPU profiles of one run, in microseconds per event: the table in
// BENCHMARKS.md. Profile a backfill with
//   node --cpu-prof --cpu-prof-dir=DIR bin/salesinsights.js backfill <dir>
// (one profile per thread), then: npx tsx cli/bench/cpu-stages.ts DIR <events>.
// A sample is charged to the stage of the innermost frame that names one (Buffer copies inside
// kafkajs's encoder count as producing), so the stages add up to the thread's busy time.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export type Thread = 'connector' | 'aggregator';

/** A frame's script as its source file: the compiled build (dist/<hash>/…/x.js) runs x.ts's code. */
function sourceOf(url: string): string {
  return /\/dist\/[0-9a-f]+\//.test(url) ? url.replace(/\.js$/, '.ts') : url;
}

/** The stage a frame's script belongs to on this thread, if it names one. */
export function stageOf(frameUrl: string, thread: Thread): string | undefined {
  const url = sourceOf(frameUrl);
  if (url.includes('/kafkajs/')) {
    if (thread === 'connector') return 'produce events (kafkajs)';
    const path = url.split('/kafkajs/src/')[1] ?? '';
    if (/decoder|\/fetch\/|consumer\//.test(path)) return 'consume (kafkajs)';
    if (/encoder|\/produce\/|producer\/|record\/v0\/index|recordBatch\/v0\/index|utils\/long|crc32C/.test(path)) return 'produce sales topic (kafkajs)';
    return undefined;
  }
  if (url.includes('/avsc/') || /\/core\/(avro|shop-event-codec)\.ts$|\/stream\/event-decoder\.ts$/.test(url)) {
    return thread === 'connector' ? 'encode (Avro)' : 'decode (Avro)';
  }
  if (url.includes('/csv-parse/') || url.includes('/ingest/')) return 'parse + validate';
  if (/\/stream\/(operators\/session-operator|aggregations\/session-summary)\.ts$/.test(url) || url.includes('/tinyqueue/')) return 'session operator';
  if (url.includes('/stream/clv/') || url.includes('/@stdlib/')) return 'lifetime-value scoring';
  if (/\/stream\/(partition-pipeline|operators\/|aggregations\/|watermark|window|trigger)/.test(url) || url.endsWith('/core/event.ts')) return 'engine';
  if (url.endsWith('/stream/sink.ts')) return 'produce sales topic (kafkajs)';
  if (url.includes('/aggregates/writers.ts') || url.includes('/@clickhouse/') || url.includes('/chdb/')) return 'ClickHouse sinks (JS side)';
  if (url.includes('checkpoint')) return 'checkpoints';
  return undefined;
}

/** Which pipeline thread a profile is, from the scripts it ran; undefined for the idle ones. */
export function threadOf(profile: CpuProfile): Thread | undefined {
  const urls = profile.nodes.map((n) => sourceOf(n.callFrame.url));
  if (urls.some((u) => u.endsWith('/stream/partition-pipeline.ts'))) return 'aggregator';
  if (urls.some((u) => u.endsWith('/ingest/file-ingestor.ts'))) return 'connector';
  return undefined;
}

/** Busy microseconds per stage of one thread's profile (idle left out). */
export function stageTimes(profile: CpuProfile, thread: Thread): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOfNode = new Map<number, string | undefined>();
  const classify = (id: number): string | undefined => {
    if (stageOfNode.has(id)) return stageOfNode.get(id);
    const frame = byId.get(id)!.callFrame;
    let stage: string | undefined;
    if (frame.functionName === '(garbage collector)') stage = 'garbage collection (on the thread)';
    else if (frame.functionName !== '(idle)') {
      let sawKafka = false;
      for (let at: number | undefined = id; at !== undefined && !stage; at = parent.get(at)) {
        const url = byId.get(at)!.callFrame.url;
        sawKafka ||= url.includes('/kafkajs/');
        stage = stageOf(url, thread);
      }
      stage ??= sawKafka ? (thread === 'connector' ? 'produce events (kafkajs)' : 'consume (kafkajs)') : 'other (runtime, streams, timers)';
    }
    stageOfNode.set(id, stage);
    return stage;
  };
  const times = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const stage = classify(id);
    if (stage) times.set(stage, (times.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return times;
}

function main(dir: string, events: number): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const thread = threadOf(profile);
    if (!thread) continue;
    const times = [...stageTimes(profile, thread)].sort((a, b) => b[1] - a[1]);
    const total = times.reduce((n, [, us]) => n + us, 0);
    console.log(`${thread} thread (${file}): ${(total / events).toFixed(1)} µs/event busy`);
    for (const [stage, us] of times) console.log(`  ${stage.padEnd(36)} ${(us / events).toFixed(2).padStart(6)} µs/event`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, events] = process.argv.slice(2);
  if (!dir || !Number(events)) {
    console.error('usage: npx tsx cli/bench/cpu-stages.ts <profile dir> <events>');
    process.exit(2);
  }
  main(dir, Number(events));
}
