// The Debian packages the tests need beyond Node, Java and Maven: Chromium for the browser test
// of the dashboard, docker-compose to validate docker-compose.yml where the docker compose
// plugin is absent, prometheus for its promtool. Installed by the test setup itself when missing, so `npm test` passes on a
// fresh machine; without root it says what to run instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface SystemPackage {
  name: string;
  present: () => boolean;
}

const succeeds = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

export const SYSTEM_PACKAGES: SystemPackage[] = [
  { name: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { name: 'docker-compose', present: () => succeeds('docker', ['compose', 'version']) || succeeds('docker-compose', ['version']) },
  // promtool, which checks deploy/prometheus/alerts.yml (test/prometheus-rules.test.ts).
  { name: 'prometheus', present: () => succeeds('promtool', ['--version']) },
];

/** Installs the missing packages with apt-get when running as root; otherwise names the command. */
export function ensureSystemPackages(log: (line: string) => void = console.log): void {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !succeeds('apt-get', ['--version'])) {
    log(`test setup: missing Debian packages ${missing.join(', ')}; run as root: ${command}`);
    return;
  }
  log(`test setup: installing ${missing.join(', ')} with apt-get (once per machine)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  if (!install || install.status !== 0) log(`test setup: "${command}" failed; the tests that need ${missing.join(', ')} will say so`);
}
