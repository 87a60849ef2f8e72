// Latency under a steady drip: every second a small slice lands in the inbox (written aside and
// renamed in, like `replay`), holding that second's share of a day plus one marker purchase of
// a product of its own. Measured from the rename to (a) the emission that carries the marker's
// revenue (the live push) and (b) the marker's revenue being visible in sales_per_product.
import { rename, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { aggregatorJob, prepareRuntime } from '../runtime.ts';
import { ConnectorThread } from '../../ingest/connector-thread.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { CSV_HEADER, generateSpan } from '../../ingest/tools/generate.ts';
import { SeededRandom } from '../../ingest/tools/random.ts';
import { percentiles, type Percentiles } from './percentiles.ts';

export interface LatencyResult {
  speed: number;
  rowsPerSecond: number;
  toPush: Percentiles;
  toStore: Percentiles;
}

const MARKER_PRODUCT_BASE = 990_000_000;
/** Slices dripped before the measured ones, unmeasured: the first after a start also waits for the JIT and the schema fetch. */
const WARM_UP_SECONDS = 3;
const ROWS_PER_DAY = 136_000;

/**
 * The drip's files, generated before it starts: generating a second's rows takes the main thread
 * a good part of that second, which the pipeline measured in this process would pay for. Event
 * time runs 1440 x speed faster than wall time, like the replay of one day per minute; each
 * measured slice ends with its marker purchase.
 */
function dripSlices(speed: number, seconds: number, rowsPerSecond: number): string[] {
  const rng = new SeededRandom(99);
  const spanMs = 1440 * speed * 1000;
  let eventTime = Date.UTC(2019, 11, 1);
  const slices: string[] = [];
  for (let second = -WARM_UP_SECONDS; second < seconds; second++) {
    const rows = generateSpan(rng, eventTime, spanMs, rowsPerSecond);
    const markerTime = new Date(eventTime + spanMs - 1000).toISOString().slice(0, 19).replace('T', ' ');
    if (second >= 0) rows.push(`${markerTime} UTC,purchase,${MARKER_PRODUCT_BASE + second},1602943681873052386,,bench,1.00,1,bench-${second}`);
    eventTime += spanMs;
    slices.push(`${CSV_HEADER}\n${rows.join('\n')}\n`);
  }
  return slices;
}

/** `speed` 1 = one day of rows per 60 s (the original replay), 10 = ten times that. */
export async function measureLatency(given: Config, logger: Logger, speed: number, seconds: number): Promise<LatencyResult> {
  // Each slice is renamed in whole, so the connector need not wait the default 2 s quiet period
  // that protects files written in place (README: SALESINSIGHTS_FILE_QUIET_MS).
  const config: Config = { ...given, ingest: { ...given.ingest, fileQuietMs: 100 } };
  const rowsPerSecond = Math.round((ROWS_PER_DAY * speed) / 60);
  const slices = dripSlices(speed, seconds, rowsPerSecond);
  const store = await prepareRuntime(config, logger);
  const inbox = join(config.home, 'inbox');
  await mkdir(inbox, { recursive: true });
  const job = aggregatorJob(config, store, logger);
  const connector = new ConnectorThread(config, { inbox });
  const landed = new Map<number, number>();
  const toPush: number[] = [];
  const toStore: number[] = [];
  const pushed = new Set<number>();
  job.onEmission(({ sales, emittedAt }) => {
    for (const row of sales) {
      const marker = Number(row.productId) - MARKER_PRODUCT_BASE;
      const at = landed.get(marker);
      if (at === undefined || row.purchases === 0 || pushed.has(marker)) continue;
      pushed.add(marker);
      toPush.push(emittedAt - at);
    }
  });
  try {
    await job.start();
    await connector.open();
    await connector.watch();
    const pending = new Set<number>();
    const poller = (async () => {
      while (landed.size < seconds || pending.size > 0) {
        await sleep(25);
        if (pending.size === 0) continue;
        const ids = [...pending].map((m) => MARKER_PRODUCT_BASE + m);
        const rows = await queryRows<{ product_id: string }>(
          store,
          `SELECT toString(product_id) AS product_id FROM ${store.database}.sales_per_product_partials
           WHERE product_id IN {ids:Array(UInt64)} AND purchases > 0`,
          { ids },
        );
        const now = Date.now();
        for (const r of rows) {
          const marker = Number(r.product_id) - MARKER_PRODUCT_BASE;
          if (pending.delete(marker)) toStore.push(now - landed.get(marker)!);
        }
      }
    })();
    for (let second = -WARM_UP_SECONDS; second < seconds; second++) {
      const tick = Date.now();
      const measured = second >= 0;
      const name = `drip-${String(second + WARM_UP_SECONDS).padStart(6, '0')}.csv`;
      await writeFile(join(inbox, `.${name}.partial`), slices[second + WARM_UP_SECONDS]!);
      await rename(join(inbox, `.${name}.partial`), join(inbox, name));
      if (measured) {
        landed.set(second, Date.now());
        pending.add(second);
      }
      await sleep(Math.max(0, 1000 - (Date.now() - tick)));
    }
    await Promise.race([poller, sleep(15_000)]);
    return { speed, rowsPerSecond, toPush: percentiles(toPush), toStore: percentiles(toStore) };
  } finally {
    await connector.close();
    await job.stop();
    await store.close();
  }
}
