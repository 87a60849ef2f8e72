// backfill through the whole real pipeline, checked against an independent reducer over the CSV;
// then two aggregator instances in one consumer group must end with the same tables.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../core/logger.ts';
import type { Config } from '../../core/config.ts';
import { createKafka, inputEndOffsets } from '../../core/kafka.ts';
import { backfill } from '../../cli/commands/backfill.ts';
import { aggregatorJob, prepareRuntime } from '../../cli/runtime.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { Connector } from '../../ingest/index.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { DEFAULT_JOB_OPTIONS } from '../../stream/job.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';
import { runJobToEnd } from '../job-run.ts';
import { expectAggregatesMatchReference, reduceCsv, type Reference } from '../reference.ts';

const dataDir = tempDir('backfill-data');
// Purchases stamped a day before the last file's rows, appended at its end: every partition's
// watermark is far past their windows by then, so each is late wherever it lands. The last is
// an exact copy of the first: late too, but lifetime value counts it once (as the reducer does).
const LATE_ROWS = [
  '2019-10-01 10:00:00 UTC,purchase,3700001,1602943681873052386,,late-brand,11.11,400000013,late-session-1',
  '2019-10-01 10:00:30 UTC,purchase,3700008,1602943681873052386,,late-brand,2.50,400000026,',
  '2019-10-01 10:01:00 UTC,view,3700008,1602943681873052386,,late-brand,2.50,400000039,late-session-3',
  '2019-10-01 10:00:00 UTC,purchase,3700001,1602943681873052386,,late-brand,11.11,400000013,late-session-1',
];
const ROWS = 24_000 + LATE_ROWS.length;
const FIRST_LATE_LINE = 8002;
const MALFORMED_ROWS = [
  '2019-10-03 23:59:59 UTC,purchase,3700001,1602943681873052386,,,12.345,400000013,s', // 3 decimals
  'not a date,view,1,1,,,1.00,1,s',
  '2019-10-03 23:59:59 UTC,view,1,1,,,1.00', // too few columns
];
let files: string[];
let reference: Reference;

beforeAll(async () => {
  files = await generate({ days: 3, rowsPerDay: 8000, out: dataDir, seed: 5 });
  appendFileSync(files[2]!, [...LATE_ROWS, ...MALFORMED_ROWS].map((r) => `${r}\n`).join(''));
  reference = reduceCsv(files, new Set(LATE_ROWS));
});

async function expectStoreMatchesReference(store: Store): Promise<void> {
  const db = store.database;
  await expectAggregatesMatchReference(store, reference, { final: true });

  const late = await queryRows<{ line: string; ws: string; late_for: string }>(
    store,
    `SELECT source_line AS line, toUnixTimestamp(window_start) AS ws, late_for FROM ${db}.late_events ORDER BY source_line`,
  );
  // Late for their sales windows (and so for their sessions too): the window is what they missed first.
  expect(late.map((l) => l.late_for)).toEqual(LATE_ROWS.map(() => 'window'));
  expect(late.map((l) => Number(l.line))).toEqual(LATE_ROWS.map((_, i) => FIRST_LATE_LINE + i));
  const minute = (m: number) => Date.UTC(2019, 9, 1, 10, m) / 1000;
  expect(late.map((l) => Number(l.ws))).toEqual([minute(0), minute(0), minute(1), minute(0)]);

  const rejected = await queryRows<{ source_file: string; line: string; raw_line: string; reason: string }>(
    store,
    `SELECT source_file, source_line AS line, raw_line, reason FROM ${db}.rejected_events ORDER BY source_line`,
  );
  expect(rejected.map((r) => [r.source_file, Number(r.line), r.raw_line])).toEqual(
    MALFORMED_ROWS.map((raw, i) => ['2019-10-03.csv', FIRST_LATE_LINE + LATE_ROWS.length + i, raw]),
  );
  expect(rejected.every((r) => r.reason.length > 0)).toBe(true);

  const [events] = await queryRows<{ n: string }>(store, `SELECT count() AS n FROM ${db}.events`);
  expect(Number(events!.n)).toBe(reference.validRows);
}

/** `backfill` of the data folder: its summary and then every table against the reducer. */
async function expectBackfillMatchesReference(config: Config): Promise<void> {
  const summary = await backfill(config, logger, dataDir);
  expect(summary).toMatchObject({ files: 3, rowsThisRun: ROWS, rejectedThisRun: 3, late: LATE_ROWS.length, rejected: 3, events: ROWS });
  const store = openStore(config);
  try {
    await expectStoreMatchesReference(store);
  } finally {
    await store.close();
  }
}

describe('backfill', () => {
  it('gives sales, lifetime value, late and rejected rows equal to an independent reducer, every window final', async () => {
    await expectBackfillMatchesReference(isolatedConfig('backfill'));
  });
});

describe('two aggregator instances in one consumer group', () => {
  it('end with the same final tables as one', async () => {
    const config: Config = isolatedConfig('two');
    const store = await prepareRuntime(config, logger);
    const options = { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 };
    const jobs = [aggregatorJob(config, store, logger, options), aggregatorJob(config, store, logger, options)];
    try {
      await jobs[0]!.start();
      const connector = new Connector(config, logger, { inbox: dataDir });
      await connector.open();
      const [first, ...rest] = readdirSync(dataDir).sort();
      await connector.takeFile(join(dataDir, first!), { inPlace: true });
      // The second instance joins mid-stream: a rebalance moves partitions, which the new owner
      // restores from their checkpoints.
      await jobs[1]!.start();
      for (const file of rest) await connector.takeFile(join(dataDir, file), { inPlace: true });
      await connector.close();

      const ends = await inputEndOffsets(config);
      await until('the two instances to read every partition to its end', async () => (jobs.some((j) => j.partitionsBehind(ends).length > 0) ? undefined : true), 180_000);
      await Promise.all(jobs.map((j) => j.waitForPositions(ends)));
      await Promise.all(jobs.map((j) => j.finishInput()));
      const processed = jobs.map((j) => j.metrics().eventsTotal);
      expect(processed.every((n) => n > 0), `both instances processed events: ${processed}`).toBe(true);
      await expectStoreMatchesReference(store);
    } finally {
      await Promise.all(jobs.map((j) => j.stop()));
      await store.close();
    }
  });
});

describe('an aggregator restarted after reading everything but before the end of input', () => {
  it('restores its partitions without a batch to read and still closes every window', async () => {
    const config: Config = isolatedConfig('restart');
    const store = await prepareRuntime(config, logger);
    const options = { ...DEFAULT_JOB_OPTIONS, idleTimeoutMs: 0 };
    try {
      const first = aggregatorJob(config, store, logger, options);
      await first.start();
      const connector = new Connector(config, logger, { inbox: dataDir });
      await connector.open();
      for (const file of readdirSync(dataDir).sort()) await connector.takeFile(join(dataDir, file), { inPlace: true });
      await connector.close();
      const ends = await inputEndOffsets(config);
      await first.waitForPositions(ends);
      // Checkpoint and commit at the very end of the input, then go away before finishInput.
      await first.stop();

      expect(await runJobToEnd(aggregatorJob(config, store, logger, options), config)).toBeUndefined();
      await expectStoreMatchesReference(store);
    } finally {
      await store.close();
    }
  });
});

describe('a backfill started while a killed run still holds partitions in the group', () => {
  it('waits until it owns them all and ends with the reference tables', async () => {
    const config: Config = isolatedConfig('held');
    await ensureTopics(createKafka(config, 'held-test'), config.namespace);
    const env = { ...process.env, SALESINSIGHTS_HOME: config.home, SALESINSIGHTS_NAMESPACE: config.namespace };
    /** Starts a group member and kills it with SIGKILL once it has printed `milestone` and `afterMs` passed. */
    const killMember = async (milestone: string, afterMs: number) => {
      const member = spawn(process.execPath, ['--import', 'tsx', 'test/group-member.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let seen = '';
      for await (const chunk of member.stdout!) if ((seen += String(chunk)).includes(milestone)) break;
      await new Promise((r) => setTimeout(r, afterMs));
      member.kill('SIGKILL');
      await once(member, 'exit');
    };
    // Two killed runs: the first leaves a member that owns every partition until its session
    // expires; the second dies while its join waits for that, so the rebalance completing at the
    // first's expiry hands the dead second member half the partitions, next to the new run.
    await killMember('joined', 0);
    await killMember('joining', 2000);

    await expectBackfillMatchesReference(config);
  });
});
