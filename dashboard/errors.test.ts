// The README's error table is what API clients read: it must list every code of both tables,
// with the status and retriable flag the code gives.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DASHBOARD_ERRORS, isRetriable } from './errors.ts';
import { INGEST_ERRORS } from '../ingest/errors.ts';

const documented = new Map(
  readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => /^\| `(DASH|ING)_ERR_/.test(line))
    .map((line) => {
      const [code, status, retriable] = line.split('|').slice(1, 4).map((c) => c.trim().replaceAll('`', ''));
      return [code!, { status: status!, retriable: retriable === 'yes' }];
    }),
);

describe('error codes', () => {
  it('are each documented in the README with their status and retriable flag', () => {
    const codes = [...Object.keys(DASHBOARD_ERRORS), ...Object.keys(INGEST_ERRORS)];
    expect([...documented.keys()].sort()).toEqual(codes.sort());
    for (const [code, { status }] of Object.entries(DASHBOARD_ERRORS)) expect(documented.get(code)?.status, code).toBe(String(status));
    for (const code of codes) expect(documented.get(code)?.retriable, code).toBe(isRetriable(code));
  });

  it('unknown codes are not retriable', () => {
    expect(isRetriable('FST_ERR_VALIDATION')).toBe(false);
  });
});
