// The supervision logic alone, with stand-in jobs: the real AggregatorJob runs in the
// integration tests.
import { describe, expect, it } from 'vitest';
import { ComponentStatus } from '../core/component-status.ts';
import { logger } from '../core/logger.ts';
import type { EmissionListener, EmissionUpdate } from './job-view.ts';
import type { JobObserver } from './job-metrics.ts';
import type { PipelineMetrics } from './metrics.ts';
import { WriteRetries } from './retry.ts';
import { SupervisedJob, type Supervisable } from './supervisor.ts';
import { until } from '../test/helpers.ts';

class StandInJob implements Supervisable {
  started = false;
  stopped = false;
  private readonly listeners = new Set<EmissionListener>();
  readonly observers = new Set<JobObserver>();
  readonly retries = new WriteRetries();
  readonly partitionStatus = new ComponentStatus();
  private failWith?: (err: Error) => void;
  private readonly failed = new Promise<Error>((resolve) => (this.failWith = resolve));

  constructor(
    readonly id: number,
    private readonly startError?: Error,
  ) {}

  async start(): Promise<void> {
    if (this.startError) throw this.startError;
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  whenFailed(): Promise<Error> {
    return this.failed;
  }
  fail(message: string): void {
    this.failWith!(new Error(message));
  }
  emit(update: EmissionUpdate): void {
    for (const l of this.listeners) l(update);
  }
  onEmission(listener: EmissionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  observe(observer: JobObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }
  metrics(): PipelineMetrics {
    return { eventsTotal: this.id } as PipelineMetrics;
  }
}

/** The stand-ins restart within milliseconds: polled every millisecond. */
const settled = (what: string, probe: () => boolean) => until(what, async () => (probe() ? true : undefined), 5_000, 1);

/** A supervisor of stand-in jobs that restarts at once; `jobs` lists every job it made. */
function supervisedStandIns() {
  const jobs: StandInJob[] = [];
  const supervisor = new SupervisedJob(() => {
    const job = new StandInJob(jobs.length + 1);
    jobs.push(job);
    return job;
  }, logger, { initialMs: 1, maxMs: 2 });
  return { jobs, supervisor };
}

describe('SupervisedJob', () => {
  it('replaces a failed job with a fresh one and follows it for emissions, observers and metrics', async () => {
    const { jobs, supervisor } = supervisedStandIns();
    const seen: number[] = [];
    supervisor.onEmission((u) => seen.push(u.emittedAt));
    const processed: number[] = [];
    const checkpoints: number[] = [];
    const unobserve = supervisor.observe({ processed: (c) => processed.push(c.events), checkpointed: (ms) => checkpoints.push(ms) });
    await supervisor.start();
    jobs[0]!.observers.forEach((o) => o.processed?.({ events: 5, duplicates: 0, late: 0 }));
    expect(supervisor.metrics().eventsTotal).toBe(1);
    jobs[0]!.emit({ sales: [], customers: [], sessions: [], emittedAt: 1 });

    jobs[0]!.fail('store away');
    await settled('a second job, running', () => jobs.length === 2 && supervisor.status.view().state === 'running');
    expect(jobs[0]!.stopped).toBe(true);
    expect(supervisor.current()).toBe(jobs[1]);
    expect(supervisor.metrics().eventsTotal).toBe(2);
    jobs[1]!.emit({ sales: [], customers: [], sessions: [], emittedAt: 2 });
    expect(seen).toEqual([1, 2]);
    // Observers follow the new job too, and hear nothing once removed.
    jobs[1]!.observers.forEach((o) => o.processed?.({ events: 7, duplicates: 1, late: 0 }));
    jobs[1]!.observers.forEach((o) => o.checkpointed?.(12));
    unobserve();
    jobs[1]!.observers.forEach((o) => o.processed?.({ events: 9, duplicates: 0, late: 0 }));
    expect(processed).toEqual([5, 7]);
    expect(checkpoints).toEqual([12]);
    await supervisor.stop();
    expect(jobs[1]!.stopped).toBe(true);
  });

  it('shows retrying with the reason while a restart fails, and keeps trying', async () => {
    let attempts = 0;
    let failing = true;
    const first = new StandInJob(0);
    const supervisor = new SupervisedJob(() => {
      attempts += 1;
      if (attempts === 1) return first;
      return new StandInJob(attempts, failing ? new Error('ClickHouse away') : undefined);
    }, logger, { initialMs: 1, maxMs: 2 });
    await supervisor.start();
    first.fail('consumer crashed');
    await settled('three attempts', () => attempts >= 3);
    const view = supervisor.status.view();
    expect(view.state).toBe('retrying');
    expect(view.reason).toMatch(/ClickHouse away/);
    failing = false;
    await settled('running', () => supervisor.status.view().state === 'running');
    expect(supervisor.current()?.started).toBe(true);
    await supervisor.stop();
  });

  it('shows retrying with the reason while the running job retries a write, through a restart, and running once it goes through', async () => {
    const { jobs, supervisor } = supervisedStandIns();
    await supervisor.start();
    const [storeWrite, produce] = [{}, {}];
    jobs[0]!.retries.retrying(storeWrite, 'store write failed (attempt 1, retrying): ENOSPC: no space left on device');
    jobs[0]!.retries.retrying(produce, 'output produce failed (attempt 1, retrying): broker away');
    expect(supervisor.status.view()).toMatchObject({ state: 'retrying', reason: 'output produce failed (attempt 1, retrying): broker away' });
    // One write through, the other still retried: still retrying.
    jobs[0]!.retries.settled(produce, true);
    expect(supervisor.status.view().state).toBe('retrying');
    // The write gives up: the job fails and a new one starts, which retries the store again.
    jobs[0]!.retries.settled(storeWrite, false);
    expect(supervisor.status.view().state).toBe('retrying');
    jobs[0]!.fail('store write failed: ENOSPC');
    await settled('a second job', () => jobs.length === 2);
    jobs[1]!.retries.retrying(storeWrite, 'store write failed (attempt 1, retrying): ENOSPC: no space left on device');
    await settled('the second job current', () => supervisor.current() === jobs[1]);
    expect(supervisor.status.view()).toMatchObject({ state: 'retrying', reason: expect.stringMatching(/ENOSPC/) });
    // The old job's retries no longer count.
    jobs[0]!.retries.retrying({}, 'late news from the old job');
    expect(supervisor.status.view().reason).toMatch(/ENOSPC/);
    jobs[1]!.retries.settled(storeWrite, true);
    expect(supervisor.status.view().state).toBe('running');
    await supervisor.stop();
  });

  it('shows failed while the running job keeps a partition stopped, whatever its writes do, and follows it back', async () => {
    const job = new StandInJob(1);
    const supervisor = new SupervisedJob(() => job, logger);
    await supervisor.start();
    const reason = 'STR_ERR_OFFSET_BEYOND_END: the checkpoint lies beyond the end of its partition: ns.events partition 0 …';
    job.partitionStatus.failed(reason);
    expect(supervisor.status.view()).toMatchObject({ state: 'failed', reason });
    job.retries.retrying({}, 'store write failed (attempt 1, retrying): ENOSPC');
    expect(supervisor.status.view()).toMatchObject({ state: 'failed', reason });
    // The partition went to another instance: the writes' state shows again.
    job.partitionStatus.running();
    expect(supervisor.status.view()).toMatchObject({ state: 'retrying', reason: expect.stringMatching(/ENOSPC/) });
    await supervisor.stop();
  });

  it('throws when the first job cannot start', async () => {
    const supervisor = new SupervisedJob(() => new StandInJob(1, new Error('bad config')), logger);
    await expect(supervisor.start()).rejects.toThrow('bad config');
  });
});
