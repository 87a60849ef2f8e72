// forecast backtest: the rolling-origin evaluation of the revenue and orders forecasts on the
// store's history (stream/forecast/backtest.ts): each origin fits on the hours before it and
// forecasts the next `horizon` hours; MASE and sMAPE of the model and of the seasonal-naive
// baseline, and how often the actuals fell inside the 80 % and 95 % intervals. Beside a running
// `start` (embedded mode: the store is its) the history is read through its query endpoint, as
// `sql` reads; otherwise on the store opened here.
import type { Config } from '../../core/config.ts';
import { STORE_TIME_RANGE } from '../../core/time-format.ts';
import { hourlySalesOfRow, hourlySalesQuery, type BoundQuery, type HourlySales, type HourlySalesRow } from '../../aggregates/forecast-queries.ts';
import { backtestHourly, type BacktestReport } from '../../stream/forecast/index.ts';
import { queryEndpoint, runningEndpoint } from '../query-endpoint.ts';

const HOUR_MS = 3_600_000;

export interface BacktestCommandOptions {
  /** First origin (its hour), epoch ms. */
  fromMs?: number;
  /** Last origin (its hour), epoch ms, inclusive. */
  toMs?: number;
  horizon: number;
  stepHours?: number;
}

export interface ForecastBacktest {
  /** Hours of history read (first to last hour with a purchase). */
  hours: number;
  revenue: BacktestReport;
  orders: BacktestReport;
  elapsedMs: number;
}

async function* readJsonRows(chunks: AsyncIterable<Buffer>): AsyncIterable<HourlySalesRow> {
  let rest = '';
  for await (const chunk of chunks) {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim() !== '') yield JSON.parse(line) as HourlySalesRow;
  }
  if (rest.trim() !== '') yield JSON.parse(rest) as HourlySalesRow;
}

/** The statement's rows, through a running start's endpoint or on the store opened here. */
async function readHourlySales(config: Config, statement: BoundQuery): Promise<HourlySales[]> {
  const running = config.clickhouseUrl ? undefined : await runningEndpoint(config);
  const collect = async (chunks: AsyncIterable<Buffer>) => {
    const sales: HourlySales[] = [];
    for await (const row of readJsonRows(chunks)) sales.push(hourlySalesOfRow(row));
    return sales;
  };
  if (running) {
    return collect(queryEndpoint(config, running, { query: statement.query, params: statement.params, defaultFormat: 'JSONEachRow', database: config.namespace }));
  }
  // Loaded only here, as in `sql`: the engine and its clients take a while to load.
  const { openStore } = await import('../../aggregates/open-store.ts');
  const store = openStore(config);
  try {
    return await collect(store.readRaw(statement.query, { format: 'JSONEachRow', params: statement.params, database: store.database, databaseIfExists: true }));
  } finally {
    await store.close();
  }
}

export async function forecastBacktest(config: Config, options: BacktestCommandOptions): Promise<ForecastBacktest> {
  const started = Date.now();
  // The history up to the last origin's horizon: what the last forecast is scored against.
  const endMs = options.toMs === undefined ? STORE_TIME_RANGE.maxMs : Math.min(STORE_TIME_RANGE.maxMs, options.toMs + (options.horizon + 1) * HOUR_MS);
  const sales = await readHourlySales(config, hourlySalesQuery(config.namespace, 0, endMs));
  const test = { fromMs: options.fromMs, toMs: options.toMs, horizon: options.horizon, stepHours: options.stepHours };
  const revenue = backtestHourly(sales.map((s) => ({ hourStartMs: s.hourStartMs, value: s.revenue })), test);
  const orders = backtestHourly(sales.map((s) => ({ hourStartMs: s.hourStartMs, value: s.orders })), test);
  const hours = sales.length === 0 ? 0 : (sales.at(-1)!.hourStartMs - sales[0]!.hourStartMs) / HOUR_MS + 1;
  return { hours, revenue, orders, elapsedMs: Date.now() - started };
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '-');

/** The terminal's table: one line per series. */
export function formatBacktest(result: ForecastBacktest): string {
  const { revenue } = result;
  const head = `origins ${revenue.origins} (${iso(revenue.fromMs)} .. ${iso(revenue.toMs)} UTC, every ${revenue.stepHours} h), horizon ${revenue.horizon} h, history ${result.hours} h, ${(result.elapsedMs / 1000).toFixed(1)} s`;
  const columns = ['series', 'MASE', 'sMAPE %', 'naive MASE', 'naive sMAPE %', 'cover 80 %', 'cover 95 %', 'models'];
  const rows = (['revenue', 'orders'] as const).map((name) => {
    const r = result[name];
    const models = Object.entries(r.models).map(([m, n]) => `${m} ×${n}`).join(', ');
    return [name, fixed(r.model.mase, 3), fixed(r.model.smape, 1), fixed(r.baseline.mase, 3), fixed(r.baseline.smape, 1), fixed(r.coverage80, 3), fixed(r.coverage95, 3), models || '-'];
  });
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [head, line(columns), ...rows.map(line)].join('\n');
}
