import { describe, expect, it } from 'vitest';
import { logger } from '../core/logger.ts';
import { BASE, eventFactory } from '../test/fixtures.ts';
import { ClvRefits } from './clv-refits.ts';
import type { FitOutcome } from './clv/fit-thread.ts';
import { STREAM_DEFAULTS } from './defaults.ts';
import { Emissions, PartitionPipeline } from './partition-pipeline.ts';

const DAY = 86_400_000;
const ev = eventFactory({ event_time: BASE, event_type: 'purchase', product_id: 1n, category_id: 1n, category_code: null, brand: null, price_cents: 1_000, user_id: 1n, user_session: 's' });
const events = { length: 0, add() {}, clear() {}, write: async () => {} };

describe('ClvRefits', () => {
  it('refits as the watermark passes each day, but a minute of wall time apart at least and keeping the fit thread busy at most 5 % of it', async () => {
    let now = 0;
    const clock = { now: () => now };
    const fits: number[] = [];
    const thread = {
      fit: async (summaries: readonly unknown[]): Promise<FitOutcome> => {
        fits.push(summaries.length);
        now += 4_000; // each fit takes 4 s
        return { ok: false, reason: 'test', durationMs: 4_000 };
      },
      close: async () => undefined,
    };
    const refits = new ClvRefits(thread, { clvRefitIntervalMs: DAY, clvMonthlyDiscount: 0.01 }, logger, clock);
    const pipeline = new PartitionPipeline(0, { ...STREAM_DEFAULTS });
    const out = new Emissions(events);
    pipeline.process(ev(), 0, out);
    const partitions = new Map([[0, pipeline]]);
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    refits.onTick(BASE, partitions, out); // the first tick sets the next refit time
    refits.onTick(BASE + DAY, partitions, out);
    await settle();
    expect(fits).toEqual([1]);
    now += 59_000; // 59 s after the fit ended
    refits.onTick(BASE + 2 * DAY, partitions, out);
    await settle();
    expect(fits).toEqual([1]);
    now += 1_000; // a minute after it, but a second fit would take 8 s of 64
    refits.onTick(BASE + 3 * DAY, partitions, out);
    await settle();
    expect(fits).toEqual([1]);
    now += 16_000; // 76 s after it: 4 s of 80
    refits.onTick(BASE + 4 * DAY, partitions, out);
    await settle();
    expect(fits).toEqual([1, 1]);
    expect(refits.status).toMatchObject({ refits: 1, lastFailure: 'test', modelFittedAt: null }); // a fit is put in force (or refused) by the tick after it

    await refits.finish(BASE + 4 * DAY + 5, partitions);
    expect(fits).toEqual([1, 1, 1]);
  });
});
