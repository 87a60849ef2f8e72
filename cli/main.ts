// The command line of docs/design.md. Each command is a thin wrapper over a module.
// A command's modules (Kafka, the store, the web server) are imported when it runs, so `--help`
// and light commands do not pay for loading them all.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../core/config.ts';
import { ConfigError } from '../core/settings.ts';
import { logger } from '../core/logger.ts';
import type { ServiceStatus } from './services/index.ts';
import type { ExportFormat } from './commands/export.ts';
import { errorLine } from './error-line.ts';
import { ALL_ROLES, roles, type Roles } from '../core/roles.ts';
import { day, duration, instant, integer, nonEmpty, oneOf, port, positiveInteger, positiveNumber } from './options.ts';

const program = new Command('salesinsights').description('Real-time e-commerce sales analytics');
// A usage error (unknown flag, missing argument) is commander's one line, then exit 2 below; set
// before the commands are made, which inherit it.
program.exitOverride();
program.version((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);

// A reader that goes away (`sql … | head`) ends the command as SIGPIPE ends Unix tools, without
// a stack trace; `start` takes it as a shutdown request and flushes first.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.kill(process.pid, 'SIGTERM');
});

let loaded: Config | undefined;
/** The command being run, for its error line (`services up`, `sql`, …). */
let running: string | undefined;

function config(): Config {
  loaded ??= loadConfig();
  return loaded;
}

function printServices(statuses: ServiceStatus[]): void {
  for (const s of statuses) {
    const state = s.healthy ? 'healthy' : 'down';
    const extra = [s.managed ? `pid ${s.pid ?? '-'}` : 'external', s.rssMb ? `${s.rssMb} MB RSS` : '', s.detail ?? '']
      .filter(Boolean)
      .join(', ');
    process.stdout.write(`${s.name.padEnd(16)} ${state.padEnd(8)} ${s.address}  (${extra})\n`);
  }
}

program
  .command('services')
  .description('start/stop local Kafka (KRaft) + schema registry when no external ones are configured')
  .argument('<action>', 'up | down | status', oneOf('services', ['up', 'down', 'status']))
  .action(async (action: 'up' | 'down' | 'status') => {
    const cfg = config();
    const { servicesDown, servicesStatus, servicesUp } = await import('./services/index.ts');
    if (action === 'up') printServices(await servicesUp(cfg));
    else if (action === 'down') printServices(await servicesDown(cfg));
    else {
      const statuses = await servicesStatus(cfg);
      printServices(statuses);
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    }
  });

program
  .command('start')
  .description('the pipeline: services, connector on the inbox, aggregator, dashboard (all of them, or the roles of --role)')
  .addOption(new Option('--role <roles>', 'all, or one or more of connector, aggregator, dashboard separated by commas (README "Scaling out")').argParser(roles('--role')).default(ALL_ROLES, 'all'))
  .option('--inbox <dir>', 'the inbox folder (default $SALESINSIGHTS_HOME/inbox)', nonEmpty('--inbox'))
  .option('--host <host>', 'dashboard address', nonEmpty('--host'))
  .option('--port <port>', 'dashboard port (0: any free port)', port('--port', 0))
  .option('--query-port <port>', 'read-only query endpoint port (0: any free port)', port('--query-port', 0))
  .option('--demo', 'generate a realistic week on first use and replay it into the inbox at one day per minute')
  .action(async (opts: { role: Roles; inbox?: string; host?: string; port?: number; queryPort?: number; demo?: boolean }) => {
    const { start } = await import('./commands/start.ts');
    await start(config(), logger, { roles: opts.role, inbox: opts.inbox, host: opts.host, port: opts.port, queryPort: opts.queryPort, demo: opts.demo === true });
  });

program
  .command('connect')
  .description('only the connector on the inbox (its own process)')
  .option('--inbox <dir>', 'the inbox folder (default $SALESINSIGHTS_HOME/inbox)', nonEmpty('--inbox'))
  .option('--once', 'ingest what the inbox holds, then exit')
  .action(async (opts: { inbox?: string; once?: boolean }) => {
    const { connect } = await import('./commands/connect.ts');
    await connect(config(), logger, { inbox: opts.inbox, once: opts.once === true });
  });

program
  .command('replay')
  .description('drip the daily slices of dir into the inbox, one file per interval')
  .argument('[dir]', 'slices folder', nonEmpty('dir'), 'data/sample-events')
  .addOption(new Option('--interval <duration>', 'time between files (60s, 500ms, 2m)').argParser(duration('--interval')).default(60_000, '60s'))
  .option('--speed <n>', 'N times the original rate (one file per 60s / N)', positiveNumber('--speed'))
  .option('--inbox <dir>', 'the inbox folder (default $SALESINSIGHTS_HOME/inbox)', nonEmpty('--inbox'))
  .action(async (dir: string, opts: { interval: number; speed?: number; inbox?: string }) => {
    const intervalMs = opts.speed ? Math.round(60_000 / opts.speed) : opts.interval;
    const [{ replay }, { defaultInbox }] = await Promise.all([import('../ingest/tools/replay.ts'), import('../ingest/index.ts')]);
    await replay({ from: dir, inbox: opts.inbox ?? defaultInbox(config()), intervalMs, logger });
  });

program
  .command('backfill')
  .description('run every CSV in dir through the whole pipeline, close every window, print a summary')
  .argument('<dir>', 'the CSV files', nonEmpty('dir'))
  .action(async (dir: string) => {
    const { backfill } = await import('./commands/backfill.ts');
    const summary = await backfill(config(), logger, resolve(dir));
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  });

program
  .command('sql')
  .description('read-only query against the store, JSONEachRow on stdout')
  .argument('<query>', 'one read-only statement', nonEmpty('query'))
  .action(async (query: string) => {
    const { sql } = await import('./commands/sql.ts');
    await sql(config(), query);
  });

program
  .command('export')
  .description('a public table or a read-only query into a file, streamed; works beside start')
  .argument('<table|query>', 'a public table (events, sales_per_product, customer_lifetime_value, late_events, rejected_events, sessions, session_products, session_abandonment_hourly, abandoned_products, customer_value_forecast, clv_models, revenue_forecast, alerts) or a SELECT query')
  .addOption(new Option('--format <format>', 'file format').choices(['parquet', 'csv', 'jsonl'] satisfies ExportFormat[]).makeOptionMandatory())
  .requiredOption('--out <file>', 'a new file to write (written aside, renamed in once the export is complete)')
  .option('--force', 'replace --out if it is an existing regular file (never a device, fifo, folder or link)')
  .action(async (what: string, opts: { format: ExportFormat; out: string; force?: boolean }) => {
    // Ctrl-C or SIGTERM: stop, and leave no partial file.
    const stop = new AbortController();
    const abort = () => stop.abort(new Error('interrupted'));
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    try {
      const { exportData } = await import('./commands/export.ts');
      const summary = await exportData(config(), { what, format: opts.format, out: opts.out, force: opts.force, signal: stop.signal });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } finally {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    }
  });

program
  .command('generate')
  .description('realistic synthetic daily slices')
  .requiredOption('--days <n>', 'number of daily files', positiveInteger('--days'))
  .requiredOption('--rows-per-day <m>', 'rows per file', positiveInteger('--rows-per-day'))
  .requiredOption('--out <dir>', 'output folder', nonEmpty('--out'))
  .option('--seed <s>', 'random seed', integer('--seed'), 42)
  .option('--start-day <YYYY-MM-DD>', 'first day', day('--start-day'), '2019-10-01')
  .option('--users-scale <n>', 'N times the user population for the same rows', positiveInteger('--users-scale'), 1)
  .action(async (opts: { days: number; rowsPerDay: number; out: string; seed: number; startDay: string; usersScale: number }) => {
    const { generate } = await import('../ingest/tools/generate.ts');
    const paths = await generate(opts);
    process.stdout.write(`${paths.join('\n')}\n`);
  });

program
  .command('split')
  .description('split a month file of the real dataset into daily slices')
  .argument('<file>', 'a month file', nonEmpty('file'))
  .requiredOption('--out <dir>', 'output folder', nonEmpty('--out'))
  .action(async (file: string, opts: { out: string }) => {
    const { split } = await import('../ingest/tools/split.ts');
    const counts = await split(file, opts.out);
    process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
  });

program
  .command('bench')
  .description('the benchmark: throughput, latency, memory, bytes per event (BENCHMARKS.md)')
  .option('--events <n>', 'events to generate', positiveInteger('--events'), 1_000_000)
  .option('--full', "the real dataset's volume: 20.7M events over 152 days")
  .option('--latency-seconds <s>', 'length of each latency drip', positiveInteger('--latency-seconds'), 30)
  .option('--users-scale <n>', 'only the scale phase (backfill, checkpoints, restore, state size) on data of N times the users', positiveInteger('--users-scale'))
  .action(async (opts: { events: number; full?: boolean; latencySeconds: number; usersScale?: number }) => {
    const events = opts.full ? 20_692_840 : opts.events;
    const command = `salesinsights bench ${process.argv.slice(3).join(' ')}`.trim();
    if (opts.usersScale !== undefined) {
      const { formatScaleTable, runScaleBench } = await import('./bench/scale-bench.ts');
      process.stdout.write(`${formatScaleTable(await runScaleBench(config(), logger, { events, usersScale: opts.usersScale }, command))}\n`);
      return;
    }
    const { formatTable, runBench } = await import('./bench/index.ts');
    const result = await runBench(config(), logger, { events, latencySeconds: opts.latencySeconds }, command);
    process.stdout.write(`${formatTable(result)}\n`);
  });

program
  .command('reset')
  .description("drop the namespace's topics, tables and local state (refused while an instance of the namespace runs)")
  .option('--yes', 'do not ask for confirmation in a terminal')
  .action(async (opts: { yes?: boolean }) => {
    const { reset } = await import('./commands/reset.ts');
    await reset(config(), logger, { yes: opts.yes === true });
  });

program
  .command('dev-store-server')
  .description('test/development only (SALESINSIGHTS_DEV_STORE_SERVER=1): the embedded store served over ClickHouse\'s HTTP interface on 127.0.0.1, read and write, for processes with CLICKHOUSE_URL set to it')
  .option('--port <port>', 'port (default 8133; 0: any free port)', port('--port', 0))
  .action(async (opts: { port?: number }) => {
    const { devStoreServer } = await import('./commands/dev-store-server.ts');
    await devStoreServer(config(), logger, { port: opts.port });
  });

const forecast = program.command('forecast').description('the hourly revenue and orders forecast (revenue_forecast)');

forecast
  .command('backtest')
  .description("rolling-origin evaluation on the store's history: MASE and sMAPE against the seasonal-naive baseline, interval coverage; works beside start")
  .option('--from <time>', 'first origin, ISO 8601 in UTC (default: two days into the history)', instant('--from'))
  .option('--to <time>', 'last origin, ISO 8601 in UTC (default: the last with a whole horizon observed after it)', instant('--to'))
  .option('--step <hours>', 'hours between two origins', positiveInteger('--step'), 1)
  .option('--json', 'the report as one JSON object instead of a table')
  .action(async (opts: { from?: number; to?: number; step: number; json?: boolean }) => {
    const { forecastBacktest, formatBacktest } = await import('./commands/forecast.ts');
    const result = await forecastBacktest(config(), { fromMs: opts.from, toMs: opts.to, stepHours: opts.step, horizon: config().forecastHorizonHours });
    process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatBacktest(result)}\n`);
  });

const alerts = program.command('alerts').description('the alert rules, their state and silences (README "Alerts"); works beside start');

alerts
  .command('list')
  .description('each rule in force with its current state, and the silences in force, as JSON')
  .action(async () => {
    const { alertsList } = await import('./commands/alerts.ts');
    process.stdout.write(`${JSON.stringify(await alertsList(config(), process.env), null, 2)}\n`);
  });

alerts
  .command('silence')
  .description("withhold a rule's notifications for a while (its alerts are still evaluated and recorded)")
  .argument('<rule>', 'a rule name (alerts list names them)', nonEmpty('rule'))
  .requiredOption('--for <duration>', 'how long, with its unit: 30m, 2h')
  .action(async (rule: string, opts: { for: string }) => {
    const { alertsSilence } = await import('./commands/alerts.ts');
    process.stdout.write(`${JSON.stringify(alertsSilence(config(), process.env, rule, opts.for))}\n`);
  });

const clv = program.command('clv').description('predictive customer lifetime value (BG/NBD + Gamma-Gamma): fit the models, evaluate them on a holdout; works beside start');

clv
  .command('fit')
  .description('fit both models on the purchases before --as-of, print the clv_models row as JSON and store it')
  .option('--as-of <time>', 'observation end, ISO 8601 in UTC (default: the newest event time)', instant('--as-of'))
  .action(async (opts: { asOf?: number }) => {
    const { clvFit } = await import('./commands/clv.ts');
    const { result, notStored } = await clvFit(config(), { asOf: opts.asOf });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (notStored) process.stderr.write(`clv fit: ${notStored}\n`);
  });

clv
  .command('evaluate')
  .description('fit on the orders before --calibration-end, compare predicted and actual repeat orders up to --holdout-end')
  .requiredOption('--calibration-end <time>', 'end of the calibration period, ISO 8601 in UTC', instant('--calibration-end'))
  .requiredOption('--holdout-end <time>', 'end of the holdout period, ISO 8601 in UTC', instant('--holdout-end'))
  .option('--json', 'the report as one JSON object instead of a table')
  .action(async (opts: { calibrationEnd: number; holdoutEnd: number; json?: boolean }) => {
    const [{ clvEvaluate }, { evaluationTable }] = await Promise.all([import('./commands/clv.ts'), import('./commands/clv-report.ts')]);
    const { result, notStored } = await clvEvaluate(config(), { calibrationEnd: opts.calibrationEnd, holdoutEnd: opts.holdoutEnd });
    process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : evaluationTable(result));
    if (notStored) process.stderr.write(`clv evaluate: ${notStored}\n`);
  });

program.addOption(new Option('--verbose', 'debug logging').hideHelp());
program.hook('preAction', (_program, action) => {
  const parent = action.parent && action.parent !== program ? `${action.parent.name()} ` : '';
  running = action.name() === 'services' && action.args[0] ? `services ${action.args[0]}` : `${parent}${action.name()}`;
  // Every setting is checked before any command starts anything (the flags are, by commander).
  config();
});

try {
  await program.parseAsync(process.argv);
  // Kafka clients and the embedded engine keep handles open; the command is done once stdout
  // (a pipe writes asynchronously) has drained.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(process.exitCode ?? 0);
} catch (caught) {
  // --help, --version: done; a usage error: commander has written its line.
  if (caught instanceof CommanderError) process.exit(caught.exitCode === 0 ? 0 : 2);
  // One line that says what went wrong and, where known, what to do; the stack at LOG_LEVEL=debug.
  const err = (loaded && (await import('../core/kafka.ts')).saslAuthFailure(loaded, caught)) ?? caught;
  logger.debug({ err }, `${running ?? 'salesinsights'} failed`);
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${errorLine(running, err, loaded)}\n`);
  const { ReadOnlyQueryError } = await import('../aggregates/read-only.ts');
  process.exit(err instanceof ReadOnlyQueryError ? 2 : 1);
}
