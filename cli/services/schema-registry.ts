// The local schema registry: Apicurio Registry (Quarkus fast-jar) from Maven Central, in-memory
// storage, Confluent-compatible API under /apis/ccompat/v7.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_REGISTRY_PORT } from '../../core/config.ts';
import { logger } from '../../core/logger.ts';
import type { HealthResult } from './health.ts';
import { labelledTails } from './log-tail.ts';
import { DEPENDENCY_PLUGIN, runMaven } from './maven.ts';
import { APICURIO_VERSION, type ServicePaths } from './paths.ts';
import { requireJava } from './java-runtime.ts';
import { spawnDetached } from './process-control.ts';
import { ServiceError } from './types.ts';

/** Maven Central has the `all` distribution as tar.gz only (no zip) for 3.3.x. */
const ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;

/** Apicurio Registry 3.3 is compiled for Java 21 (class file version 65): Java 17 fails at start. */
export const REGISTRY_JAVA = 21;

/**
 * Runtime settings. Quarkus's management interface (health, metrics) is on by default on
 * 0.0.0.0:9000: keep it on loopback and a free port. Apicurio 3 refuses deletes by default;
 * the Confluent API's DELETE /subjects/... needs them. Apicurio's default global compatibility
 * is NONE where Confluent's is BACKWARD: match Confluent (PUT /config and /config/{subject}
 * still set any level).
 */
const systemProperties = (port: number) => [
  `-Dquarkus.http.port=${port}`,
  '-Dquarkus.http.host=127.0.0.1',
  '-Dquarkus.management.host=127.0.0.1',
  '-Dquarkus.management.port=0',
  '-Dapicurio.rest.deletion.group.enabled=true',
  '-Dapicurio.rest.deletion.artifact.enabled=true',
  '-Dapicurio.rest.deletion.artifact-version.enabled=true',
  '-Dapicurio.rules.global.compatibility=BACKWARD',
];

/** The JVM arguments of a registry on `port`; `extra` system properties (e.g. a storage) go before the jar. */
export function registryJavaArgs(quarkusRun: string, port: number, extra: string[] = []): string[] {
  return ['-Xmx512m', ...systemProperties(port), ...extra, '-jar', quarkusRun];
}

/** Found in the registry's command line: tells our registry from an unrelated process with a reused pid. */
export const registryMarker = (paths: ServicePaths) => paths.registry.home;

export function registryLogTail(paths: ServicePaths): Promise<string> {
  return labelledTails([{ file: paths.registry.stdoutLog, lines: 40 }]);
}

/** quarkus-run.jar at the top of the unpacked folder or one level down. */
async function findQuarkusRun(dir: string): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  if (existsSync(join(dir, 'quarkus-run.jar'))) return join(dir, 'quarkus-run.jar');
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const candidate = join(dir, entry.name, 'quarkus-run.jar');
    if (entry.isDirectory() && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Downloads and unpacks the registry unless a previous run did; returns the path of quarkus-run.jar. */
export async function ensureRegistryDistribution(paths: ServicePaths): Promise<string> {
  const { home } = paths.registry;
  const found = await findQuarkusRun(home);
  if (found) return found;
  logger.info({ artifact: ARTIFACT }, `resolving Apicurio Registry ${APICURIO_VERSION} with Maven (about 160 MB)…`);
  const started = Date.now();
  const staging = `${home}.partial`;
  // Maven without a pom leaves plugin markers under its working folder: give it a throwaway one
  const workDir = `${home}.maven-work`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await mkdir(workDir, { recursive: true });
  try {
    await runMaven(
      'schema-registry',
      [`${DEPENDENCY_PLUGIN}:unpack`, `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${staging}`],
      workDir,
      paths.mavenLog,
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  await rm(home, { recursive: true, force: true });
  await rename(staging, home);
  const jar = await findQuarkusRun(home);
  if (!jar) throw new ServiceError('schema-registry', `no quarkus-run.jar in ${home} after unpacking ${ARTIFACT}`);
  logger.info({ seconds: (Date.now() - started) / 1000 }, 'Apicurio Registry unpacked');
  return jar;
}

export async function startRegistry(paths: ServicePaths, quarkusRun: string): Promise<number> {
  const java = requireJava('schema-registry', REGISTRY_JAVA);
  const pid = await spawnDetached({
    command: java.command,
    args: registryJavaArgs(quarkusRun, LOCAL_REGISTRY_PORT),
    cwd: paths.registry.home,
    logFile: paths.registry.stdoutLog,
    pidFile: paths.registry.pidFile,
  });
  logger.info({ pid, java: java.major }, `Apicurio Registry ${APICURIO_VERSION} started`);
  return pid;
}

/** Healthy when the Confluent API lists subjects (a JSON array: any web server may answer 200). */
export async function registryHealth(schemaRegistryUrl: string): Promise<HealthResult> {
  try {
    const res = await fetch(`${schemaRegistryUrl}/subjects`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { healthy: false, detail: `GET /subjects answered ${res.status}` };
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!Array.isArray(body)) {
      return { healthy: false, detail: `GET /subjects answered 200 but not a JSON list of subjects (${res.headers.get('content-type') ?? 'no content type'})` };
    }
    return { healthy: true, detail: `GET /subjects answered 200` };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
    return { healthy: false, detail: `GET /subjects failed: ${cause || String(err)}` };
  }
}
