// docs/design.md holds the contracts in the repo: every place that cites one of its sections
// names a section that exists, and nothing points outside the repo for them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const SKIP = new Set(['node_modules', 'dist', 'scratch', 'test-artifacts', 'bench-results', '.git', '.salesinsights']);

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : files(path);
    return /\.(ts|js|mjs|md)$/.test(entry.name) ? [path] : [];
  });
}

describe('docs/design.md', () => {
  const sections = new Set([...readFileSync(join(ROOT, 'docs/design.md'), 'utf8').matchAll(/^## (.+)$/gm)].map((m) => m[1]));
  const sources = files('').filter((path) => path !== 'docs/design.md' && path !== 'test/design-doc.test.ts').map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));

  it('has every section the code and docs cite', () => {
    const cited = sources.flatMap(({ path, text }) => [...text.matchAll(/design\.md, "([^"]+)"/g)].map((m) => ({ path, section: m[1]! })));
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter(({ section }) => !sections.has(section))).toEqual([]);
  });

  it('is the only place of the contracts: nothing cites a DESIGN.md outside the repo', () => {
    expect(sources.filter(({ text }) => /DESIGN\.md/.test(text)).map(({ path }) => path)).toEqual([]);
  });
});
