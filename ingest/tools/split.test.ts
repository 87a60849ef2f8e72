import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers.ts';
import { CSV_HEADER as header } from './generate.ts';
import { split } from './split.ts';

describe('split', () => {
  it('writes one YYYY-MM-DD.csv per day, each with the header, rows in their original order', async () => {
    const dir = tempDir('split');
    const month = join(dir, '2019-Oct.csv');
    writeFileSync(
      month,
      `\uFEFF${header}\r\n` +
        '2019-10-01 00:00:00 UTC,view,1,2,,,1.00,3,s\r\n' +
        '2019-10-02 00:00:01 UTC,cart,1,2,,,1.00,3,s\r\n' +
        '2019-10-01 23:59:59 UTC,purchase,1,2,,,1.00,3,s\r\n' +
        '\r\n' +
        '"2019-10-02 10:00:00 UTC",view,1,2,"a,b",,1.00,3,s',
    );
    const out = join(dir, 'days');
    const counts = await split(month, out);
    expect(counts).toEqual({ '2019-10-01': 2, '2019-10-02': 2 });
    expect(readdirSync(out).sort()).toEqual(['2019-10-01.csv', '2019-10-02.csv']);
    expect(readFileSync(join(out, '2019-10-01.csv'), 'utf8')).toBe(
      `${header}\n2019-10-01 00:00:00 UTC,view,1,2,,,1.00,3,s\n2019-10-01 23:59:59 UTC,purchase,1,2,,,1.00,3,s\n`,
    );
    expect(readFileSync(join(out, '2019-10-02.csv'), 'utf8').split('\n')[2]).toBe('"2019-10-02 10:00:00 UTC",view,1,2,"a,b",,1.00,3,s');
  });
});
