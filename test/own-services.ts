// Services of a test's own, never the shared ones other test files use: a single KRaft broker and
// an Apicurio registry on free ports, with their data in temp folders, started, kill -9'ed and
// restarted at will from the test. The jars are the ones `services up` resolved into the cache.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clusterId } from '../cli/services/kafka-broker.ts';
import { loadConfig } from '../core/config.ts';
import { waitUntilHealthy, type HealthCheck } from '../cli/services/health.ts';
import { propertiesText, singleNodeSettings } from '../cli/services/kafka-files.ts';
import { kafkaHealth } from '../cli/services/kafka-health.ts';
import { requireJava } from '../cli/services/java-runtime.ts';
import { servicePaths } from '../cli/services/paths.ts';
import { ensureRegistryDistribution, REGISTRY_JAVA, registryHealth, registryJavaArgs } from '../cli/services/schema-registry.ts';
import type { ServiceName } from '../cli/services/types.ts';
import { tempDir } from './helpers.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The shared cache where `services up` (the global test setup) put the jars. */
const sharedPaths = () => servicePaths(loadConfig().cacheDir);

/** A Java service of a test: one child process at a time, its output appended to a log in its folder. */
abstract class OwnJavaService {
  private child?: ChildProcess;
  protected readonly dir: string;
  private readonly log: string;

  constructor(
    private readonly service: ServiceName,
    folder: string,
  ) {
    this.dir = tempDir(folder);
    this.log = join(this.dir, `${folder}.log`);
  }

  protected abstract command(): { java: string; args: string[] };
  protected abstract health: HealthCheck;

  start(): void {
    const { java, args } = this.command();
    const log = openSync(this.log, 'a');
    this.child = spawn(java, args, { cwd: this.dir, stdio: ['ignore', log, log] });
    closeSync(log);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Resolves once the service answers; fails at once if its process has died. */
  async ready(timeoutMs = 120_000): Promise<void> {
    await waitUntilHealthy({
      service: this.service,
      check: this.health,
      timeoutMs,
      alive: () => this.running,
      tail: async () => readFileSync(this.log, 'utf8').split('\n').slice(-40).join('\n'),
    });
  }
}

/** A single KRaft broker: formatted once, started and kill -9'ed at will. */
export class OwnBroker extends OwnJavaService {
  private readonly props = join(this.dir, 'server.properties');
  private readonly java = requireJava('kafka', 17).command;
  private readonly classpath = `${sharedPaths().kafka.libs}/*`;
  protected health: HealthCheck = () => kafkaHealth(loadConfig({ ...process.env, KAFKA_BROKERS: this.address }));

  constructor(
    readonly port: number,
    controllerPort: number,
  ) {
    super('kafka', 'own-broker');
    mkdirSync(join(this.dir, 'data'));
    writeFileSync(this.props, propertiesText(singleNodeSettings(port, controllerPort, join(this.dir, 'data'))));
    const id = clusterId();
    const format = spawnSync(this.java, ['-Xmx256m', '-cp', this.classpath, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', this.props], { encoding: 'utf8' });
    if (format.status !== 0) throw new Error(`formatting the test broker failed: ${format.stderr}`);
  }

  static async create(): Promise<OwnBroker> {
    return new OwnBroker(await freePort(), await freePort());
  }

  /** For KAFKA_BROKERS. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  protected command() {
    return { java: this.java, args: ['-Xmx512m', `-Dkafka.logs.dir=${this.dir}`, '-cp', this.classpath, 'kafka.Kafka', this.props] };
  }
}

/**
 * An Apicurio registry started the way `services up` starts the shared one, except that its
 * storage is an H2 file in its folder instead of memory: a restart after a kill keeps every
 * schema and its id, as a production registry does (Confluent's keeps them in a Kafka topic).
 * A registry that forgot its schemas on restart would leave the records already in Kafka
 * undecodable whatever the pipeline did, which is data loss, not an outage.
 */
export class OwnRegistry extends OwnJavaService {
  private readonly java = requireJava('schema-registry', REGISTRY_JAVA).command;
  protected health: HealthCheck = () => registryHealth(this.url);

  private constructor(
    readonly port: number,
    private readonly quarkusRun: string,
  ) {
    super('schema-registry', 'own-registry');
  }

  static async create(): Promise<OwnRegistry> {
    return new OwnRegistry(await freePort(), await ensureRegistryDistribution(sharedPaths()));
  }

  /** For SCHEMA_REGISTRY_URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/apis/ccompat/v7`;
  }

  protected command() {
    const storage = `-Dapicurio.datasource.url=jdbc:h2:file:${join(this.dir, 'registry')}`;
    return { java: this.java, args: registryJavaArgs(this.quarkusRun, this.port, [storage]) };
  }
}
