// The revenue forecast through the whole pipeline: a generated multi-day set through `backfill`
// leaves the latest origin's forecast in revenue_forecast (the horizon's hours, ordered bands,
// the model named), and `forecast backtest --json` gives the numbers backtestHourly gives on an
// hourly series computed independently from the CSV.
import { beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../core/logger.ts';
import { generate } from '../../ingest/tools/generate.ts';
import { backfill } from '../../cli/commands/backfill.ts';
import { openStore } from '../../aggregates/open-store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import type { ForecastRow } from '../../aggregates/forecast-queries.ts';
import { backtestHourly, forecastHourly } from '../../stream/forecast/index.ts';
import { hourlySalesOfCsv, type ReferenceHour } from '../forecast-reference.ts';
import { cliEnv, runCli } from '../cli-process.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const HOUR_MS = 3_600_000;
const DAYS = 6;
const dataDir = tempDir('forecast-data');
const config = isolatedConfig('forecast');
let reference: ReferenceHour[];

beforeAll(async () => {
  const files = await generate({ days: DAYS, rowsPerDay: 5_000, out: dataDir, seed: 26 });
  reference = hourlySalesOfCsv(files);
  await backfill(config, logger, dataDir);
}, 240_000);

/** A revenue_forecast row as the view answers it in JSON. */
type StoredHour = ForecastRow;

describe('revenue forecast', () => {
  it('a backfill stores the forecast of the hours after its input: 24 rows, lo95 ≤ lo80 ≤ point ≤ hi80 ≤ hi95, never negative, the model named', async () => {
    const store = openStore(config);
    let rows: StoredHour[];
    try {
      rows = await queryRows<StoredHour>(
        store,
        `SELECT toUnixTimestamp(made_at) AS made_at, toUnixTimestamp(hour) AS hour, * EXCEPT (made_at, hour)
         FROM ${store.database}.revenue_forecast WHERE made_at = (SELECT max(made_at) FROM ${store.database}.revenue_forecast) ORDER BY hour`,
      );
    } finally {
      await store.close();
    }
    // The end of input completes the last hour: the last origin is the hour after the newest purchase's.
    const lastHour = reference.at(-1)!.hourStartMs;
    expect(Number(rows[0]!.made_at) * 1000).toBe(lastHour + HOUR_MS);
    expect(rows.map((r) => Number(r.hour) * 1000)).toEqual(Array.from({ length: 24 }, (_, h) => lastHour + (h + 1) * HOUR_MS));
    for (const r of rows) {
      for (const s of ['revenue', 'orders'] as const) {
        const band = [r[`${s}_lo95`], r[`${s}_lo80`], r[s], r[`${s}_hi80`], r[`${s}_hi95`]];
        expect(band[0]).toBeGreaterThanOrEqual(0);
        expect(band.every(Number.isFinite)).toBe(true);
        for (let i = 1; i < band.length; i++) expect(band[i]).toBeGreaterThanOrEqual(band[i - 1]!);
      }
      // Six days: the daily-seasonal MSTL (two weeks make it weekly too).
      expect(r.model).toBe('mstl-ets-24');
      expect(r.orders_model).toBe('mstl-ets-24');
      expect(r.fallback_reason).toBeNull();
    }
    // Upper bounds above the point somewhere: the band is a band.
    expect(rows.some((r) => r.revenue_hi95 > r.revenue)).toBe(true);
    // The stored forecast is the forecaster's on the hourly series computed from the CSV files.
    for (const s of ['revenue', 'orders'] as const) {
      const expected = forecastHourly(reference.map((h) => ({ hourStartMs: h.hourStartMs, value: h[s] })), lastHour + HOUR_MS, { horizon: 24 });
      rows.forEach((r, i) => {
        const want = expected.hours[i]!;
        for (const [got, value] of [[r[s], want.point], [r[`${s}_lo80`], want.lo80], [r[`${s}_hi80`], want.hi80], [r[`${s}_lo95`], want.lo95], [r[`${s}_hi95`], want.hi95]] as const) {
          expect(Math.abs(got - value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
        }
      });
    }
  });

  it('forecast backtest --json: finite MASE and sMAPE, coverage in [0, 1], the numbers backtestHourly gives on the CSV', async () => {
    const run = await runCli(['forecast', 'backtest', '--json', '--step', '3'], cliEnv(config), 180_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as Record<'revenue' | 'orders', ReturnType<typeof backtestHourly>>;
    for (const series of ['revenue', 'orders'] as const) {
      const got = result[series];
      const expected = backtestHourly(reference.map((h) => ({ hourStartMs: h.hourStartMs, value: h[series] })), { stepHours: 3 });
      expect(got.origins).toBeGreaterThan(10);
      for (const value of [got.model.mase, got.model.smape, got.baseline.mase, got.baseline.smape]) expect(Number.isFinite(value)).toBe(true);
      for (const value of [got.coverage80, got.coverage95]) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
      expect(got.coverage95).toBeGreaterThanOrEqual(got.coverage80);
      expect({ origins: got.origins, fromMs: got.fromMs, toMs: got.toMs, models: got.models }).toEqual({
        origins: expected.origins,
        fromMs: expected.fromMs,
        toMs: expected.toMs,
        models: expected.models,
      });
      expect(got.model.mase).toBeCloseTo(expected.model.mase, 6);
      expect(got.model.smape).toBeCloseTo(expected.model.smape, 6);
      expect(got.baseline.mase).toBeCloseTo(expected.baseline.mase, 6);
      expect(got.baseline.smape).toBeCloseTo(expected.baseline.smape, 6);
      expect(got.coverage80).toBeCloseTo(expected.coverage80, 6);
      expect(got.coverage95).toBeCloseTo(expected.coverage95, 6);
    }
  }, 200_000);
});
