// Keeps an aggregator running under `start`: a failed job (a store away longer than its retry
// budget, a crashed consumer) is stopped without a final flush and a fresh one is started from
// the checkpoints, with backoff, so the process and its dashboard stay up. Exactly-once holds
// because every new job restores state and offsets from the last checkpoint.
import { RECOVERY_BACKOFF, backoffMs, sleep, type BackoffPolicy } from '../core/backoff.ts';
import { ComponentStatus } from '../core/component-status.ts';
import type { Logger } from '../core/logger.ts';
import type { EmissionListener, JobView } from './job-view.ts';
import type { JobObserver } from './job-metrics.ts';
import type { PipelineMetrics } from './metrics.ts';
import type { WriteRetries } from './retry.ts';

/** What the supervisor needs of a job (AggregatorJob is one). */
export interface Supervisable extends JobView {
  start(): Promise<void>;
  stop(): Promise<void>;
  whenFailed(): Promise<Error>;
  /** Its writes being retried (a store or broker away): the supervisor's status follows them. */
  readonly retries: WriteRetries;
  /** `failed` while it keeps a partition stopped (see OffsetBeyondEndError): a restart would not help. */
  readonly partitionStatus: ComponentStatus;
}

export class SupervisedJob<J extends Supervisable = Supervisable> implements JobView {
  readonly status = new ComponentStatus();
  private job?: J;
  private readonly listeners = new Set<EmissionListener>();
  private readonly observers = new Set<JobObserver>();
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private unfollow?: () => void;

  constructor(
    private readonly createJob: () => J,
    private readonly logger: Logger,
    private readonly backoff: BackoffPolicy = RECOVERY_BACKOFF,
  ) {}

  /** The job now running (or the failed one until its successor runs). */
  current(): J | undefined {
    return this.job;
  }

  /** Starts the first job (its failure to start is thrown), then supervises in the background. */
  async start(): Promise<void> {
    this.job = await this.launch();
    this.follow(this.job);
    this.loop = this.supervise();
  }

  /**
   * The status says what the running job does: `failed` while it keeps a partition stopped,
   * else `retrying` while one of its writes is retried, else `running`.
   */
  private follow(job: J): void {
    const show = () => {
      const partitions = job.partitionStatus.view();
      const writes = job.retries.status.view();
      if (partitions.state === 'failed') this.status.failed(partitions.reason ?? 'a partition is stopped');
      else if (writes.state === 'retrying') this.status.retrying(writes.reason ?? 'a write is retried');
      else this.status.running();
    };
    show();
    const unfollow = [job.retries.status.onChange(show), job.partitionStatus.onChange(show)];
    this.unfollow = () => unfollow.forEach((stop) => stop());
  }

  private async launch(): Promise<J> {
    const job = this.createJob();
    // Listeners and observers follow whichever job is current.
    job.onEmission((update) => {
      for (const listener of this.listeners) listener(update);
    });
    job.observe({
      processed: (counts) => this.observers.forEach((o) => o.processed?.(counts)),
      written: (counts) => this.observers.forEach((o) => o.written?.(counts)),
      latency: (ms) => this.observers.forEach((o) => o.latency?.(ms)),
      checkpointed: (ms) => this.observers.forEach((o) => o.checkpointed?.(ms)),
    });
    try {
      await job.start();
    } catch (err) {
      await job.stop();
      throw err;
    }
    return job;
  }

  private async supervise(): Promise<void> {
    let failures = 0;
    let startedAt = Date.now();
    while (!this.stopping.signal.aborted) {
      const failure = await Promise.race([
        this.job!.whenFailed(),
        new Promise<undefined>((resolve) => this.stopping.signal.addEventListener('abort', () => resolve(undefined), { once: true })),
      ]);
      if (!failure) return;
      this.unfollow?.();
      let reason = failure.message;
      // A job that ran a good while before failing starts the backoff afresh.
      if (Date.now() - startedAt > this.backoff.maxMs) failures = 0;
      this.status.retrying(`aggregator failed: ${failure.message}`);
      await this.job!.stop();
      for (;;) {
        failures += 1;
        const wait = backoffMs(failures, this.backoff);
        this.logger.warn({ err: reason, attempt: failures, wait }, 'aggregator failed; a new job starts from the checkpoints');
        await sleep(wait, this.stopping.signal);
        if (this.stopping.signal.aborted) return;
        try {
          this.job = await this.launch();
          startedAt = Date.now();
          this.follow(this.job);
          this.logger.info('aggregator restarted from its checkpoints');
          break;
        } catch (err) {
          reason = (err as Error).message;
          this.status.retrying(`aggregator restart failed: ${reason}`);
        }
      }
    }
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
    if (!this.job) throw new Error('SupervisedJob.start() must run first');
    return this.job.metrics();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.job?.stop();
  }
}
