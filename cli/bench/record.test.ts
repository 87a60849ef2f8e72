import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withTableRow } from './record.ts';
import { RESULTS_TABLE } from './index.ts';

const RESULTS = { title: 'Results', header: ['date', 'events'] };
const SCALE = { title: 'Scale results', header: ['date', 'events', 'users scale'] };

describe('withTableRow', () => {
  it('starts the table as a new section at the end', () => {
    expect(withTableRow('# Benchmarks\n', RESULTS, ['d1', '10'])).toBe('# Benchmarks\n\n## Results\n\n| date | events |\n|---|---|\n| d1 | 10 |\n');
    expect(withTableRow('', RESULTS, ['d1', '10'])).toBe('\n## Results\n\n| date | events |\n|---|---|\n| d1 | 10 |\n');
  });

  it('adds a row after the last row of its own table, wherever the table is', () => {
    let text = withTableRow('# Benchmarks\n', RESULTS, ['d1', '10']);
    text = withTableRow(text, SCALE, ['d2', '20', '10']);
    text = withTableRow(text, RESULTS, ['d3', '30']);
    text = withTableRow(text, SCALE, ['d4', '40', '1']);
    expect(text).toBe(
      '# Benchmarks\n\n## Results\n\n| date | events |\n|---|---|\n| d1 | 10 |\n| d3 | 30 |\n' +
        '\n## Scale results\n\n| date | events | users scale |\n|---|---|---|\n| d2 | 20 | 10 |\n| d4 | 40 | 1 |\n',
    );
  });

  it("finds the plain bench's table in BENCHMARKS.md (a new one would start otherwise)", () => {
    const lines = readFileSync(new URL('../../BENCHMARKS.md', import.meta.url), 'utf8').split('\n');
    expect(lines).toContain(`| ${RESULTS_TABLE.header.join(' | ')} |`);
  });
});
