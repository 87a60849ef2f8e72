// Detached service processes: start them so they outlive node, find them again through pid
// files, measure them and stop them.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DetachedSpec {
  command: string;
  args: string[];
  cwd: string;
  /** Receives stdout and stderr; truncated at each start. */
  logFile: string;
  pidFile: string;
}

/** Starts the process in its own session with stdio on the log file, records its pid, and lets node exit without it. */
export async function spawnDetached(spec: DetachedSpec): Promise<number> {
  await mkdir(dirname(spec.logFile), { recursive: true });
  await mkdir(dirname(spec.pidFile), { recursive: true });
  const log = await open(spec.logFile, 'w');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => (child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid)));
    });
    child.unref();
    await writeFile(spec.pidFile, `${pid}\n`);
    return pid;
  } finally {
    await log.close();
  }
}

/** Runs a command in the foreground with its output appended to `logFile`; resolves to its exit code. */
export async function runToLog(command: string, args: string[], cwd: string, logFile: string): Promise<number | null> {
  await mkdir(dirname(logFile), { recursive: true });
  const log = await open(logFile, 'a');
  try {
    await log.write(`\n=== ${new Date().toISOString()} ${command} ${args.join(' ')} (in ${cwd})\n`);
    return await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, { cwd, stdio: ['ignore', log.fd, log.fd] });
      child.once('error', reject);
      child.once('exit', resolve);
    });
  } finally {
    await log.close();
  }
}

export async function readPidFile(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function removePidFile(pidFile: string): Promise<void> {
  await rm(pidFile, { force: true });
}

/**
 * True when the pid runs (not a zombie) and, on Linux, its command line contains `marker`,
 * so a pid reused by an unrelated process after a reboot is not mistaken for ours.
 */
export function processAlive(pid: number, marker: string): boolean {
  const proc = `/proc/${pid}`;
  if (existsSync('/proc/self/stat')) {
    try {
      const stat = readFileSync(join(proc, 'stat'), 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return false;
      return readFileSync(join(proc, 'cmdline'), 'utf8').split('\0').join(' ').includes(marker);
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resident memory in MB from /proc/<pid>/status, undefined where there is no /proc. */
export function rssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL once `graceMs` has passed. Resolves when the process is gone. */
export async function stopProcess(pid: number, marker: string, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!processAlive(pid, marker)) return 'not-running';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(200);
    if (!processAlive(pid, marker)) return 'stopped';
  }
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 50 && processAlive(pid, marker); i++) await sleep(100);
  return 'killed';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
