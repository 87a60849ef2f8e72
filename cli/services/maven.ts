// Runs Maven for the services' artifacts, one invocation at a time (they share ~/.m2).
import { logTail } from './log-tail.ts';
import { runToLog } from './process-control.ts';
import { ServiceError, type ServiceName } from './types.ts';

/** Pinned so the CLI goals do not fall back to Maven's old default plugin version. */
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

let queue: Promise<unknown> = Promise.resolve();

export function runMaven(service: ServiceName, args: string[], cwd: string, logFile: string): Promise<void> {
  const run = queue.then(() => runNow(service, args, cwd, logFile));
  queue = run.catch(() => undefined);
  return run;
}

async function runNow(service: ServiceName, args: string[], cwd: string, logFile: string): Promise<void> {
  let code: number | null;
  try {
    code = await runToLog('mvn', ['-B', '-q', ...args], cwd, logFile);
  } catch (err) {
    throw new ServiceError(service, `could not run mvn (is Maven installed?): ${(err as Error).message}`);
  }
  if (code !== 0) {
    throw new ServiceError(service, `mvn exited with code ${code}; see ${logFile}`, await logTail(logFile, 40));
  }
}
