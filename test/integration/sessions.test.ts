// Sessions through the whole pipeline: a generated multi-day set through `backfill` equals the
// independent sessionizer (test/session-reference.ts) on every sessions and session_products
// row, and on the abandonment views; each session closed is one record of `<ns>.sessions`.
import { beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { topics } from '../../core/topics.ts';
import { createKafka } from '../../core/kafka.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { backfill } from '../../cli/commands/backfill.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { sessionsOfCsv, type SessionReference } from '../session-reference.ts';
import { expectAbandonmentMatchesReference, expectSessionsMatchReference } from '../sessions-match-reference.ts';
import { isolatedConfig, readTopic, tempDir } from '../helpers.ts';

const dataDir = tempDir('sessions-data');
let reference: SessionReference;

beforeAll(async () => {
  const files = await generate({ days: 3, rowsPerDay: 6_000, out: dataDir, seed: 24 });
  reference = sessionsOfCsv(files);
});

describe('sessions', () => {
  it('a backfill gives sessions, their products and the abandonment views equal to an independent sessionizer', async () => {
    const config = isolatedConfig('sessions');
    await backfill(config, logger, dataDir);
    const store = openStore(config);
    try {
      expect(reference.sessions.length).toBeGreaterThan(100);
      expect(reference.sessions.some((s) => s.abandoned === 1)).toBe(true);
      await expectSessionsMatchReference(store, reference);
      await expectAbandonmentMatchesReference(store, reference);
    } finally {
      await store.close();
    }
    const records = await readTopic(createKafka(config, 'sessions-test'), topics(config.namespace).sessions, reference.sessions.length);
    const keys = records.map((m) => JSON.parse(m.value!.toString()) as { user_id: string; user_session: string; session_start: number; is_final: boolean });
    expect(new Set(keys.map((k) => `${k.user_id}|${k.user_session}|${k.session_start}`)).size).toBe(reference.sessions.length);
    expect(keys.every((k) => k.is_final)).toBe(true);
  }, 180_000);
});
