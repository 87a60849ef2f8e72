// docker-compose.yml must be accepted by Compose itself: the docker compose plugin where it is
// installed, else the standalone docker-compose (Debian's package, which .ci/run installs).
// Beside the app (every role) runs a second aggregator process of the same namespace.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';

function compose(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const [command, prefix] = plugin.status === 0 ? ['docker', ['compose']] : ['docker-compose', []];
  const r = spawnSync(command, [...prefix, '-f', 'docker-compose.yml', ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`neither "docker compose" nor docker-compose is installed (apt-get install docker-compose)`, { cause: r.error });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('docker-compose.yml', () => {
  it('is accepted by compose config, with the services wired by the app settings', () => {
    const services = compose(['config', '--services']);
    expect(services.status, services.stderr).toBe(0);
    expect(services.stdout.trim().split('\n').sort()).toEqual(['aggregator', 'app', 'clickhouse', 'kafka', 'schema-registry']);

    const config = compose(['config']);
    expect(config.status, config.stderr).toBe(0);
    const resolved = parse(config.stdout) as { services: Record<string, { command: string[]; environment: Record<string, string> }> };
    for (const name of ['app', 'aggregator']) {
      expect(resolved.services[name]!.environment, name).toMatchObject({ KAFKA_BROKERS: 'kafka:9092', SCHEMA_REGISTRY_URL: 'http://schema-registry:8081', CLICKHOUSE_URL: 'http://clickhouse:8123' });
    }
  });

  it('runs a second aggregator process beside the app: its own service with the store, home and partition count of the app', () => {
    const resolved = parse(compose(['config']).stdout) as { services: Record<string, { command: string[]; environment: Record<string, string>; ports?: unknown }> };
    const { app, aggregator } = resolved.services;
    expect(app!.command).toEqual(['node', 'bin/salesinsights.js', 'start']);
    expect(aggregator!.command).toEqual(['node', 'bin/salesinsights.js', 'start', '--role', 'aggregator']);
    // No HTTP in an aggregator process: nothing to publish, so `--scale aggregator=N` works.
    expect(aggregator!.ports).toBeUndefined();
    for (const setting of ['CLICKHOUSE_USER', 'SALESINSIGHTS_HOME', 'SALESINSIGHTS_PARTITIONS']) {
      expect(aggregator!.environment[setting], setting).toBe(app!.environment[setting]);
    }
  });
});
