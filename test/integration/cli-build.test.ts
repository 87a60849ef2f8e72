// The compiled CLI (bin/build.mjs) on a copy of the project: the build of the current sources is
// what bin/salesinsights.js runs, and a source edited after the build runs as edited (through
// tsx), never as the older JavaScript.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers.ts';

const COPIED = ['bin', 'core', 'cli', 'ingest', 'stream', 'aggregates', 'dashboard', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function cli(root: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/salesinsights.js', ...args], { cwd: root, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the compiled CLI', () => {
  it('runs the build of the current sources, and the sources themselves once one is edited', () => {
    const root = tempDir('cli-build');
    for (const entry of COPIED) cpSync(resolve(entry), join(root, entry), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
    symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
    expect(execFileSync(process.execPath, ['bin/build.mjs'], { cwd: root, encoding: 'utf8' })).toMatch(/^built dist\/[0-9a-f]{16}\n$/);

    const [build] = readdirSync(join(root, 'dist'));
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    // A mark only the build prints: it is what runs.
    const entry = join(root, 'dist', build!, 'cli', 'main.js');
    writeFileSync(entry, `process.stderr.write('from the build\\n');\n${readFileSync(entry, 'utf8')}`);
    expect(cli(root, ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: 'from the build\n' });
    expect(cli(root, ['--help']).stdout).toContain('Real-time e-commerce sales analytics');

    const main = join(root, 'cli', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace("description('Real-time e-commerce sales analytics')", "description('edited after the build')"));
    const edited = cli(root, ['--help']);
    expect(edited).toMatchObject({ code: 0, stderr: '' });
    expect(edited.stdout).toContain('edited after the build');
  });
});
