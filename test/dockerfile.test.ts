// The image must run what `npm install` gives on a machine: npm's postinstall applies patches/ to
// kafkajs and its prepare builds dist/ from the sources, so everything those scripts read has to be
// in the image before the install line runs. Read from the Dockerfile's text: no Docker needed.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** What npm's install scripts read (postinstall: patch-package; prepare: bin/build.mjs). */
const NEEDED_BY_INSTALL = [
  'package.json', 'package-lock.json', 'bin/build.mjs', 'tsconfig.json', 'tsconfig.build.json',
  'core/config.ts', 'cli/main.ts', 'ingest/rows.ts', 'stream/job.ts', 'aggregates/store.ts', 'dashboard/app.ts',
  ...readdirSync(new URL('../patches', import.meta.url)).filter((name) => name.endsWith('.patch')).map((name) => `patches/${name}`),
];

const NPM_INSTALL = /\bnpm\s+(ci|install|i)\b/;

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(dockerfile: string): { keyword: string; args: string[]; text: string }[] {
  return dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim().replace(/\s+/g, ' '))
    .filter((line) => line !== '')
    .map((text) => {
      const [keyword = '', ...args] = text.split(' ');
      return { keyword: keyword.toUpperCase(), args, text };
    });
}

function globMatches(pattern: string, path: string): boolean {
  const source = pattern.replace(/^\.\//, '').replace(/\/$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${source}(/.*)?$`).test(path);
}

/** Why the install line would run without a file it needs: empty when the order is right. */
function installOrderProblems(dockerfile: string, dockerignore: string): string[] {
  const steps = instructions(dockerfile);
  const install = steps.findIndex((s) => s.keyword === 'RUN' && NPM_INSTALL.test(s.text));
  if (install < 0) return ['no RUN line runs npm ci or npm install'];
  const problems: string[] = [];
  const command = steps[install]!.text.split(/&&|;|\|\|/).find((part) => NPM_INSTALL.test(part)) ?? '';
  if (/--ignore-scripts\b/.test(command)) problems.push('the install line skips the scripts that apply patches/ and build dist/');
  if (/--omit=dev\b|--production\b/.test(command)) problems.push('the install line leaves out TypeScript, which prepare builds dist/ with');
  const copied = steps
    .slice(0, install)
    .filter((s) => (s.keyword === 'COPY' || s.keyword === 'ADD') && !s.args.some((a) => a.startsWith('--from')))
    .flatMap((s) => s.args.filter((a) => !a.startsWith('--')).slice(0, -1));
  const ignored = dockerignore.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const path of NEEDED_BY_INSTALL) {
    if (!copied.some((source) => source === '.' || source === './' || globMatches(source, path))) {
      problems.push(`${path} is not copied before "${steps[install]!.text}"`);
    } else if (ignored.some((pattern) => globMatches(pattern, path))) {
      problems.push(`${path} is left out of the build context by .dockerignore`);
    }
  }
  return problems;
}

const read = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

describe('Dockerfile', () => {
  it('copies patches/, the package files and the sources before npm installs, with its scripts', () => {
    expect(installOrderProblems(read('Dockerfile'), read('.dockerignore'))).toEqual([]);
  });

  it('is checked: an install before the copy of patches/ and the sources is caught', () => {
    const wrongOrder = [
      'FROM node:20-bookworm-slim',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --no-audit --no-fund \\',
      '  && npm prune --omit=dev',
      'COPY . .',
    ].join('\n');
    const problems = installOrderProblems(wrongOrder, '');
    expect(problems).toContain('patches/kafkajs+2.2.4.patch is not copied before "RUN npm ci --no-audit --no-fund && npm prune --omit=dev"');
    expect(problems.some((p) => p.startsWith('bin/build.mjs '))).toBe(true);
    expect(problems.some((p) => p.startsWith('package.json '))).toBe(false);
  });

  it('is checked: skipped install scripts, no dev dependencies and patches/ left out of the context are caught', () => {
    const dockerfile = read('Dockerfile');
    expect(installOrderProblems(dockerfile.replace(/^RUN npm ci/m, 'RUN npm ci --ignore-scripts'), '')).toEqual([
      'the install line skips the scripts that apply patches/ and build dist/',
    ]);
    expect(installOrderProblems(dockerfile, `${read('.dockerignore')}\npatches\n`)).toEqual([
      'patches/kafkajs+2.2.4.patch is left out of the build context by .dockerignore',
    ]);
    expect(installOrderProblems(dockerfile.replace(/^RUN npm ci/m, 'RUN npm ci --omit=dev'), '')).toEqual([
      'the install line leaves out TypeScript, which prepare builds dist/ with',
    ]);
    expect(installOrderProblems(dockerfile.replace(/^RUN .*$/m, ''), '')).toEqual(['no RUN line runs npm ci or npm install']);
  });
});
