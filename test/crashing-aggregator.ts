// An aggregator killed with SIGKILL at a chosen point of a checkpoint, for the crash tests. It
// runs the real job on the real store; its checkpoint store is the real one, with the kill
// between the steps of a save. CRASH_AT says where, once a checkpoint with state changes has
// been committed (so there is a checkpoint to restore):
// - `entries`: an incremental checkpoint's entries are written, its commit never happens;
// - `compaction`: a compaction's entries (a new segment) are written, its commit never happens;
// - `compaction-committed`: a compaction is committed, the old segments are never removed.
// It prints "committed" after each committed checkpoint with changes.
import type { Checkpoint } from '../core/checkpoint.ts';
import { loadConfig } from '../core/config.ts';
import { logger } from '../core/logger.ts';
import { aggregatorGroup } from '../core/topics.ts';
import { StoreCheckpoints } from '../aggregates/checkpoints.ts';
import { StoreTables } from '../aggregates/writers.ts';
import { prepareRuntime } from '../cli/runtime.ts';
import { AggregatorJob, DEFAULT_JOB_OPTIONS } from '../stream/job.ts';
import type { CheckpointStore } from '../stream/result-tables.ts';

const crashAt = process.env.CRASH_AT;
if (crashAt !== 'entries' && crashAt !== 'compaction' && crashAt !== 'compaction-committed') throw new Error(`CRASH_AT: ${crashAt}`);

const config = loadConfig(process.env);

const store = await prepareRuntime(config, logger);
const real = new StoreCheckpoints(store, aggregatorGroup(config.namespace));
let committedChanges = false;

const kill = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const checkpoints: CheckpointStore = {
  load: (topic, partition, onEntry) => real.load(topic, partition, onEntry),
  discardBefore: (topic, partition, segment) => real.discardBefore(topic, partition, segment),
  async save(all: Checkpoint[]) {
    const events = all.filter((c) => c.epoch > 0);
    const changed = events.some((c) => c.changes.length > 0);
    const compaction = events.some((c) => c.epoch === c.segment);
    const armed = committedChanges && changed && compaction === (crashAt !== 'entries');
    await real.writeEntries(all);
    if (armed && crashAt !== 'compaction-committed') kill();
    await real.commit(all);
    if (armed) kill();
    if (changed) {
      committedChanges = true;
      process.stdout.write('committed\n');
    }
  },
};

// Incremental checkpoints stay incremental (a segment is compacted only at 50,000 entries) unless
// the crash is in a compaction: then every checkpoint with changes after the first compacts.
const compaction = crashAt === 'entries' ? { entriesPerKey: 2, minEntries: 50_000 } : { entriesPerKey: 0, minEntries: 0 };
const job = new AggregatorJob(config, { tables: new StoreTables(store), checkpoints }, logger, { ...DEFAULT_JOB_OPTIONS, checkpointIntervalMs: 200, idleTimeoutMs: 0, compaction });
await job.start();
