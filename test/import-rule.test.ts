// The import rule (.dependency-cruiser.mjs) fails on each kind of violation: `npm run lint`'s own
// depcruise command, run in a temporary tree laid out like the repo, with deliberate violations
// beside allowed imports.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const DEPCRUISE = join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** The arguments of the depcruise command in package.json's `lint` script. */
function lintArgs(): string[] {
  const lint = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: { lint: string } }).scripts.lint;
  const command = lint.split('&&').map((c) => c.trim()).find((c) => c.startsWith('depcruise '));
  if (!command) throw new Error(`no depcruise command in the lint script: ${lint}`);
  return command.split(/\s+/).slice(1);
}

/** Files every case can import; they import nothing themselves. */
const TARGETS: Record<string, string> = {
  'core/time.ts': 'export const now = 0;',
  'ingest/rows.ts': 'export const rows = 0;',
  'stream/window.ts': 'export const window = 0;',
  'aggregates/store.ts': "import { pipeline } from 'stream/promises';\nexport const store = pipeline;\nexport type Store = typeof store;",
  'dashboard/app.ts': 'export const app = 0;',
  'cli/internal.ts': 'export const internal = 0;',
  'cli/runtime.ts': 'export const runtime = 0;',
  'cli/commands/backfill.ts': 'export const backfill = 0;',
  'cli/services/index.ts': 'export const services = 0;',
  'test/helpers.ts': 'export const helper = 0;',
};

/** Imports the rule accepts. */
const ALLOWED: Record<string, string> = {
  'core/clock.ts': "import { now } from './time.ts';\nexport const clock = now;",
  'stream/source.ts': "import { now } from '../core/time.ts';\nexport const source = now;",
  'dashboard/routes.ts':
    "import { rows } from '../ingest/rows.ts';\nimport { window } from '../stream/window.ts';\nimport { store } from '../aggregates/store.ts';\nimport { app } from './app.ts';\nexport const routes = [rows, window, store, app];",
  'cli/main.ts': "import { app } from '../dashboard/app.ts';\nimport { internal } from './internal.ts';\nexport const main = [app, internal];",
  'bin/entry.mjs': "const built = process.argv[2];\nif (built) await import(built);\nelse await import('../cli/main.ts');",
  'ingest/rows.test.ts': "import { rows } from './rows.ts';\nimport { now } from '../core/time.ts';\nimport { helper } from '../test/helpers.ts';\nexport const t = [rows, now, helper];",
  'test/integration/backfill.test.ts':
    "import { backfill } from '../../cli/commands/backfill.ts';\nimport { runtime } from '../../cli/runtime.ts';\nimport { services } from '../../cli/services/index.ts';\nimport { store } from '../../aggregates/store.ts';\nimport { helper } from '../helpers.ts';\nexport const t = [backfill, runtime, services, store, helper];",
};

/** A circle of two modules: the rule reports it once, from the first. */
const CIRCLE_PARTNER = { 'core/ring-b.ts': "import { a } from './ring-a.ts';\nexport const b = () => a;" };

/** Deliberate violations, each with the rule it breaks and the file it imports. */
const VIOLATIONS: Array<{ file: string; source: string; rule: string; to: string }> = [
  { file: 'stream/static-import.ts', source: "import { store } from '../aggregates/store.ts';\nexport const s = store;", rule: 'stream-imports-core-only', to: 'aggregates/store.ts' },
  { file: 'stream/type-import.ts', source: "import type { Store } from '../aggregates/store.ts';\nexport type S = Store;", rule: 'stream-imports-core-only', to: 'aggregates/store.ts' },
  { file: 'stream/dynamic-import.ts', source: "export const load = () => import('../aggregates/store.ts');", rule: 'stream-imports-core-only', to: 'aggregates/store.ts' },
  { file: 'stream/window.test.ts', source: "import { store } from '../aggregates/store.ts';\nexport const t = store;", rule: 'stream-imports-core-only', to: 'aggregates/store.ts' },
  { file: 'ingest/to-stream.ts', source: "import { window } from '../stream/window.ts';\nexport const w = window;", rule: 'ingest-imports-core-only', to: 'stream/window.ts' },
  { file: 'ingest/worker-boot.mjs', source: "import { window } from '../stream/window.ts';\nexport const w = window;", rule: 'ingest-imports-core-only', to: 'stream/window.ts' },
  { file: 'aggregates/to-ingest.ts', source: "import { rows } from '../ingest/rows.ts';\nexport const r = rows;", rule: 'aggregates-imports-core-only', to: 'ingest/rows.ts' },
  { file: 'aggregates/uses-test.ts', source: "import { helper } from '../test/helpers.ts';\nexport const h = helper;", rule: 'code-imports-no-test', to: 'test/helpers.ts' },
  { file: 'core/to-stream.ts', source: "import { window } from '../stream/window.ts';\nexport const w = window;", rule: 'core-imports-no-component', to: 'stream/window.ts' },
  { file: 'dashboard/public/app.js', source: "import { main } from '../../cli/main.ts';\nexport const m = main;", rule: 'dashboard-imports-components-only', to: 'cli/main.ts' },
  { file: 'bin/direct.mjs', source: "import { window } from '../stream/window.ts';\nexport const w = window;", rule: 'bin-imports-cli-only', to: 'stream/window.ts' },
  { file: 'test/integration/internal.test.ts', source: "import { internal } from '../../cli/internal.ts';\nexport const t = internal;", rule: 'tests-import-cli-api-only', to: 'cli/internal.ts' },
  { file: 'core/ring-a.ts', source: "import { b } from './ring-b.ts';\nexport const a = () => b;", rule: 'no-import-circle', to: 'core/ring-b.ts' },
  { file: 'test/cli-main.ts', source: "import { main } from '../cli/main.ts';\nexport const t = main;", rule: 'tests-import-cli-api-only', to: 'cli/main.ts' },
];

let status: number | null;
/** The violations lint prints, as `rule: from → to` (a circle's first step only). */
let found: string[];

beforeAll(() => {
  const root = tempDir('import-rule');
  const files = { ...TARGETS, ...ALLOWED, ...CIRCLE_PARTNER, ...Object.fromEntries(VIOLATIONS.map((v) => [v.file, v.source])) };
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), `${source}\n`);
  }
  for (const file of ['.dependency-cruiser.mjs', 'tsconfig.json']) copyFileSync(join(REPO, file), join(root, file));
  const run = spawnSync(process.execPath, [DEPCRUISE, ...lintArgs()], { cwd: root, encoding: 'utf8' });
  status = run.status;
  found = [...run.stdout.matchAll(/^\s*error (\S+: \S+) →\s+(\S+)/gm)].map((m) => `${m[1]} → ${m[2]}`);
});

describe('the import rule', () => {
  it('fails on each kind of violation, naming the rule it breaks', () => {
    expect(status).not.toBe(0);
    expect([...found].sort()).toEqual(VIOLATIONS.map((v) => `${v.rule}: ${v.file} → ${v.to}`).sort());
  });

  it('passes the allowed imports', () => {
    expect(found.filter((f) => Object.keys(ALLOWED).some((file) => f.includes(`: ${file} → `)))).toEqual([]);
  });
});
