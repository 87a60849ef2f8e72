// A job run to the end of its input, as a backfill does: read to the topics' end offsets as they
// are now, end of input (every window seen becomes final), everything written and checkpointed.
import type { Config } from '../core/config.ts';
import { inputEndOffsets } from '../core/kafka.ts';
import type { AggregatorJob } from '../stream/job.ts';
import type { PositionWait } from '../stream/source.ts';

/** For a started job: reads to the present end offsets, then ends the input. */
export async function finishAtEnd(job: AggregatorJob, config: Config, wait: PositionWait = { ownAll: true }): Promise<void> {
  await job.waitForPositions(await inputEndOffsets(config), wait);
  await job.finishInput();
}

/** Starts `job`, finishes it at the end of its input and stops it; resolves with its failure, if it failed. */
export async function runJobToEnd(job: AggregatorJob, config: Config, wait: PositionWait = { ownAll: true }): Promise<Error | undefined> {
  const failed = job.whenFailed();
  await job.start();
  try {
    await finishAtEnd(job, config, wait);
  } finally {
    await job.stop();
  }
  return Promise.race([failed, Promise.resolve(undefined)]);
}
