import { describe, expect, it } from 'vitest';
import { startWorker, WorkerCalls, type WorkerReply } from './worker-calls.ts';

/** A worker module from source: answers {fail: true} with an error, {exit: n} by exiting, anything else with ok. */
const ECHO = new URL(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { parentPort } from 'node:worker_threads';
      parentPort.on('message', (m) => {
        if (m.exit !== undefined) process.exit(m.exit);
        parentPort.postMessage(m.fail ? { id: m.id, ok: false, error: { name: 'KafkaJSSASLAuthenticationError', message: 'no' } } : { id: m.id, ok: true, echo: m.n });
      });`),
);

function echoThread(): { calls: WorkerCalls<WorkerReply & { echo?: number }>; terminate: () => Promise<number> } {
  const worker = startWorker(ECHO, {});
  const calls = new WorkerCalls<WorkerReply & { echo?: number }>(worker);
  worker.on('message', (reply: WorkerReply) => calls.settle(reply));
  worker.on('exit', (code) => calls.end(new Error(`thread exited with code ${code}`)));
  return { calls, terminate: () => worker.terminate() };
}

describe('WorkerCalls', () => {
  it('pairs each reply with its call, and turns an error reply into an error of that name', async () => {
    const { calls, terminate } = echoThread();
    try {
      const replies = await Promise.all([1, 2, 3].map((n) => calls.call({ n })));
      expect(replies.map((r) => r.echo)).toEqual([1, 2, 3]);
      await expect(calls.call({ fail: true })).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError', message: 'no' });
    } finally {
      await terminate();
    }
  });

  it('fails the call waiting when the thread ends, and every later call at once', async () => {
    const { calls } = echoThread();
    await expect(calls.call({ exit: 3 })).rejects.toThrow('thread exited with code 3');
    await expect(calls.call({ n: 1 })).rejects.toThrow('thread exited with code 3');
  });
});
