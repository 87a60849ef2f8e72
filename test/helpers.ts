// Test helpers: an isolated namespace and home per test file, on the real services.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { afterAll } from 'vitest';
import { loadConfig, type Config } from '../core/config.ts';

export function isolatedConfig(prefix: string, extra: Record<string, string> = {}): Config {
  // global-setup names this run's namespaces so that it deletes only those at the end.
  const namespace = `${process.env.SALESINSIGHTS_TEST_PREFIX ?? 't_'}${prefix}_${randomBytes(4).toString('hex')}`;
  return loadConfig({ ...process.env, SALESINSIGHTS_HOME: tempDir(prefix), SALESINSIGHTS_NAMESPACE: namespace, ...extra });
}

/** A new directory under the system's temporary one, kept after the tests for a post-mortem. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Makes temporary directories that are removed after the calling file's tests. */
export function tempDirsRemovedAfterAll(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };
}

/** Polls `probe` every `everyMs` until it answers something other than undefined; fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Like `replay`: written under a dot-name, then renamed, so the watcher sees a whole file. Returns when. */
export function dropIntoInbox(inbox: string, name: string, text: string): number {
  const partial = join(inbox, `.${name}.partial`);
  writeFileSync(partial, text);
  renameSync(partial, join(inbox, name));
  return Date.now();
}

/**
 * Every committed record of a topic: reads from the beginning until `expected` records have
 * arrived and then `settleMs` more pass without another (so extra copies would show).
 */
export async function readTopic(kafka: Kafka, topic: string, expected: number, settleMs = 2000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(timer);
      timer = setTimeout(resolve, settleMs);
    };
    if (expected === 0) settle();
    void consumer.run({
      eachBatch: async ({ batch }) => {
        messages.push(...batch.messages);
        if (messages.length >= expected) settle();
      },
    });
  });
  await consumer.disconnect();
  return messages;
}
