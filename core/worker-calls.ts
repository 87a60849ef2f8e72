// Calls to a worker thread answered by message: each call carries an id, its reply the same id.
// The connector's thread runs on it (ingest/connector-thread.ts).
import { Worker } from 'node:worker_threads';
import { logPortForWorker } from './logger.ts';

/** What every reply carries: the call's id, and the error if it failed. */
export type WorkerReply = { id: number } & ({ ok: true } | { ok: false; error: { name: string; message: string } });

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

/** The module `name` beside `base` (its import.meta.url): the .ts source, or its .js in the build (bin/build.mjs). */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

/**
 * Starts `module` (a file URL) on a worker thread with `data` as its workerData; the worker's log
 * lines come back through the parent's logger.
 */
export function startWorker(module: URL, data: object): Worker {
  const logPort = logPortForWorker();
  return new Worker(BOOT, { workerData: { ...data, module: module.href, logPort }, transferList: [logPort] });
}

export class WorkerCalls<Reply extends WorkerReply> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** Why the thread is gone, once it is: later calls fail at once instead of waiting forever. */
  private ended: Error | undefined;

  constructor(private readonly worker: Worker) {}

  /** Posts `message` with a fresh id; resolves with the reply, rejects with its error or the thread's end. */
  async call(message: object): Promise<Reply> {
    if (this.ended) throw this.ended;
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
    return reply;
  }

  /** Hands a reply to its call. */
  settle(reply: Reply): void {
    const call = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    call?.resolve(reply);
  }

  /** The thread failed or is gone: every call, waiting or to come, fails with `err`. */
  end(err: Error): void {
    this.ended ??= err;
    for (const call of this.waiting.values()) call.reject(err);
    this.waiting.clear();
  }
}

/** A worker's answer to a call: the value `run` gives, or its error by name and message. */
export async function answer<R extends object>(id: number, run: () => Promise<R>): Promise<WorkerReply & R> {
  try {
    return { ...(await run()), id, ok: true };
  } catch (err) {
    const e = err as Error;
    return { id, ok: false, error: { name: e.name, message: e.message } } as WorkerReply & R;
  }
}
