// cli/: the command line; composes every component, and nothing imports it.
// The command line of DESIGN.md. Each command is a thin wrapper over a module.
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { loadConfig, ConfigError, type Config } from '../core/config.ts';
import { saslAuthFailure } from '../core/kafka.ts';
import { logger } from '../core/logger.ts';
import { servicesDown, servicesStatus, servicesUp, type ServiceStatus } from './services/index.ts';
import { generate } from '../ingest/tools/generate.ts';
import { split } from '../ingest/tools/split.ts';
import { parseDuration, replay } from '../ingest/tools/replay.ts';
import { defaultInbox } from '../ingest/index.ts';
import { backfill } from './commands/backfill.ts';
import { ReadOnlyQueryError, sql } from './commands/sql.ts';
import { EXPORT_FORMATS, exportData, type ExportFormat } from './commands/export.ts';
import { reset } from './commands/reset.ts';
import { start } from './commands/start.ts';
import { connect } from './commands/connect.ts';
import { formatTable, runBench } from './bench/index.ts';
import { errorLine } from './error-line.ts';

const program = new Command('salesinsights').description('Real-time e-commerce sales analytics');

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
  .argument('<action>', 'up | down | status')
  .action(async (action: string) => {
    const cfg = config();
    if (action === 'up') printServices(await servicesUp(cfg));
    else if (action === 'down') printServices(await servicesDown(cfg));
    else if (action === 'status') {
      const statuses = await servicesStatus(cfg);
      printServices(statuses);
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    } else throw new ConfigError('services', `unknown action "${action}": expected up, down or status`);
  });

program
  .command('start')
  .description('everything on one machine: services, connector on the inbox, aggregator, dashboard')
  .option('--inbox <dir>', 'the inbox folder (default $SALESINSIGHTS_HOME/inbox)')
  .option('--host <host>', 'dashboard address')
  .option('--port <port>', 'dashboard port')
  .option('--query-port <port>', 'read-only query endpoint port (0: any free port)')
  .option('--demo', 'generate a realistic week on first use and replay it into the inbox at one day per minute')
  .action(async (opts: { inbox?: string; host?: string; port?: string; queryPort?: string; demo?: boolean }) => {
    const queryPort = opts.queryPort === undefined ? undefined : Number(opts.queryPort);
    if (queryPort !== undefined && !(Number.isInteger(queryPort) && queryPort >= 0 && queryPort <= 65535)) throw new ConfigError('--query-port', `"${opts.queryPort}" is not a port; expected an integer 0-65535`);
    await start(config(), logger, { inbox: opts.inbox, host: opts.host, port: opts.port ? Number(opts.port) : undefined, queryPort, demo: opts.demo === true });
  });

program
  .command('connect')
  .description('only the connector on the inbox (its own process)')
  .option('--inbox <dir>', 'the inbox folder (default $SALESINSIGHTS_HOME/inbox)')
  .option('--once', 'ingest what the inbox holds, then exit')
  .action(async (opts: { inbox?: string; once?: boolean }) => {
    await connect(config(), logger, { inbox: opts.inbox, once: opts.once === true });
  });

program
  .command('replay')
  .description('drip the daily slices of dir into the inbox, one file per interval')
  .argument('[dir]', 'slices folder', 'data/sample-events')
  .option('--interval <duration>', 'time between files (60s, 500ms, 2m)', '60s')
  .option('--speed <n>', 'N times the original rate (one file per 60s / N)')
  .option('--inbox <dir>', 'the inbox folder (default $SALESINSIGHTS_HOME/inbox)')
  .action(async (dir: string, opts: { interval: string; speed?: string; inbox?: string }) => {
    const speed = opts.speed === undefined ? undefined : Number(opts.speed);
    if (speed !== undefined && !(speed > 0)) throw new ConfigError('--speed', `"${opts.speed}" must be a positive number`);
    const intervalMs = speed ? Math.round(60_000 / speed) : parseDuration(opts.interval);
    await replay({ from: dir, inbox: opts.inbox ?? defaultInbox(config()), intervalMs, logger });
  });

program
  .command('backfill')
  .description('run every CSV in dir through the whole pipeline, close every window, print a summary')
  .argument('<dir>')
  .action(async (dir: string) => {
    const summary = await backfill(config(), logger, resolve(dir));
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  });

program
  .command('sql')
  .description('read-only query against the store, JSONEachRow on stdout')
  .argument('<query>')
  .action(async (query: string) => sql(config(), query));

program
  .command('export')
  .description('a public table or a read-only query into a file, streamed; works beside start')
  .argument('<table|query>', 'events, sales_per_product, customer_lifetime_value, late_events, rejected_events, or a SELECT query')
  .addOption(new Option('--format <format>', 'file format').choices(Object.keys(EXPORT_FORMATS)).makeOptionMandatory())
  .requiredOption('--out <file>', 'the file to write (replaced only once the export is complete)')
  .action(async (what: string, opts: { format: ExportFormat; out: string }) => {
    // Ctrl-C or SIGTERM: stop, and leave no partial file.
    const stop = new AbortController();
    const abort = () => stop.abort(new Error('interrupted'));
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    try {
      const summary = await exportData(config(), { what, format: opts.format, out: opts.out, signal: stop.signal });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } finally {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    }
  });

program
  .command('generate')
  .description('realistic synthetic daily slices')
  .requiredOption('--days <n>', 'number of daily files')
  .requiredOption('--rows-per-day <m>', 'rows per file')
  .requiredOption('--out <dir>', 'output folder')
  .option('--seed <s>', 'random seed', '42')
  .option('--start-day <YYYY-MM-DD>', 'first day', '2019-10-01')
  .action(async (opts: { days: string; rowsPerDay: string; out: string; seed: string; startDay: string }) => {
    const paths = await generate({
      days: positive('--days', opts.days),
      rowsPerDay: positive('--rows-per-day', opts.rowsPerDay),
      out: opts.out,
      seed: Number(opts.seed),
      startDay: opts.startDay,
    });
    process.stdout.write(`${paths.join('\n')}\n`);
  });

program
  .command('split')
  .description('split a month file of the real dataset into daily slices')
  .argument('<file>')
  .requiredOption('--out <dir>')
  .action(async (file: string, opts: { out: string }) => {
    const counts = await split(file, opts.out);
    process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
  });

program
  .command('bench')
  .description('the benchmark: throughput, latency, memory, bytes per event (BENCHMARKS.md)')
  .option('--events <n>', 'events to generate', '1000000')
  .option('--full', "the real dataset's volume: 20.7M events over 152 days")
  .option('--latency-seconds <s>', 'length of each latency drip', '30')
  .action(async (opts: { events: string; full?: boolean; latencySeconds: string }) => {
    const events = opts.full ? 20_692_840 : positive('--events', opts.events);
    const result = await runBench(config(), logger, { events, latencySeconds: positive('--latency-seconds', opts.latencySeconds) }, `salesinsights bench ${process.argv.slice(3).join(' ')}`.trim());
    process.stdout.write(`${formatTable(result)}\n`);
  });

program
  .command('reset')
  .description("drop the namespace's topics, tables and local state")
  .action(async () => reset(config(), logger));

program.addOption(new Option('--verbose', 'debug logging').hideHelp());
program.hook('preAction', (_program, action) => {
  running = action.name() === 'services' && action.args[0] ? `services ${action.args[0]}` : action.name();
});

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(name, `"${text}" must be a positive integer`);
  return n;
}

try {
  await program.parseAsync(process.argv);
  // Kafka clients and the embedded engine keep handles open; the command is done once stdout
  // (a pipe writes asynchronously) has drained.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(process.exitCode ?? 0);
} catch (caught) {
  // One line that says what went wrong and, where known, what to do; the stack at LOG_LEVEL=debug.
  const err = (loaded && saslAuthFailure(loaded, caught)) ?? caught;
  logger.debug({ err }, `${running ?? 'salesinsights'} failed`);
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${errorLine(running, err, loaded)}\n`);
  process.exit(err instanceof ReadOnlyQueryError ? 2 : 1);
}
