// docker-compose.yml must be accepted by Compose itself: the docker compose plugin where it is
// installed, else the standalone docker-compose (Debian's package, which .ci/run installs).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

function compose(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const [command, prefix] = plugin.status === 0 ? ['docker', ['compose']] : ['docker-compose', []];
  const r = spawnSync(command, [...prefix, '-f', 'docker-compose.yml', ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`neither "docker compose" nor docker-compose is installed (apt-get install docker-compose)`, { cause: r.error });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('docker-compose.yml', () => {
  it('is accepted by compose config, with the four services wired by the app settings', () => {
    const services = compose(['config', '--services']);
    expect(services.status, services.stderr).toBe(0);
    expect(services.stdout.trim().split('\n').sort()).toEqual(['app', 'clickhouse', 'kafka', 'schema-registry']);

    const config = compose(['config']);
    expect(config.status, config.stderr).toBe(0);
    for (const setting of ['KAFKA_BROKERS: kafka:9092', 'SCHEMA_REGISTRY_URL: http://schema-registry:8081', 'CLICKHOUSE_URL: http://clickhouse:8123']) {
      expect(config.stdout).toContain(setting);
    }
  });
});
