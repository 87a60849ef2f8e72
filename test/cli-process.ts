// The salesinsights command line in a child process, as users run it: the environment says the
// test config's home, namespace and (when the config names them) its own broker, registry and
// ClickHouse server;
// stdout and stderr go to `<home>/<name>.log`, kept for a post-mortem.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../core/config.ts';

export function cliEnv(c: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SALESINSIGHTS_HOME: c.home,
    SALESINSIGHTS_NAMESPACE: c.namespace,
    LOG_LEVEL: 'info',
    ...(c.localServices.kafka ? {} : { KAFKA_BROKERS: c.kafkaBrokers.join(',') }),
    ...(c.localServices.registry ? {} : { SCHEMA_REGISTRY_URL: c.schemaRegistryUrl }),
    ...(c.clickhouseUrl === undefined ? {} : { CLICKHOUSE_URL: c.clickhouseUrl }),
    ...extra,
  };
}

export interface CliProcess {
  child: ChildProcess;
  /** The exit code; null when a signal ended it. */
  exited: Promise<number | null>;
  log: string;
}

export function spawnCli(c: Config, args: string[], name: string, extraEnv: Record<string, string> = {}): CliProcess {
  const log = join(c.home, `${name}.log`);
  const fd = openSync(log, 'w');
  const child = spawn(process.execPath, ['bin/salesinsights.js', ...args], { env: cliEnv(c, extraEnv), stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, log };
}

/** Sends `signal` (unless the process has ended) and resolves with its exit code. */
export async function stopCli(run: CliProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(signal);
  return run.exited;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one command to its end with `env` as its whole environment, collecting its output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<CliRun> {
  const child = spawn(process.execPath, ['bin/salesinsights.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += String(d)));
  child.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `salesinsights sql <query>` in the test config's environment, to its end: its output (JSONEachRow lines). */
export function cliSql(c: Config, query: string): string {
  const r = spawnSync(process.execPath, ['bin/salesinsights.js', 'sql', query], { env: cliEnv(c), maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sql failed for ${query}: ${r.stderr}`);
  return r.stdout;
}

/** `salesinsights start` on free ports with `env`, its stderr shown; resolves with the dashboard and query endpoint URLs it prints. */
export async function startApp(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; queryUrl: string }> {
  const child = spawn(process.execPath, ['bin/salesinsights.js', 'start', '--port', '0', '--query-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Its stderr is shown as it comes and its end kept, so that a start that fails says why in the test's error.
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    err = (err + String(chunk)).slice(-4000);
  });
  // Read stdout to the end (a closed pipe would fail the child's later writes).
  const [url, queryUrl] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const dashboard = /dashboard: (http:\/\/\S+)/.exec(out);
      const query = /query endpoint: (http:\/\/\S+)/.exec(out);
      if (dashboard && query) resolve([dashboard[1]!, query[1]!]);
    });
    child.once('exit', (code) => reject(new Error(`start exited (${code}) before printing its URLs: ${out}\nits stderr ends with:\n${err}`)));
  });
  return { child, url, queryUrl };
}
