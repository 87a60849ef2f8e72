import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../core/logger.ts';
import { tempDir } from '../../test/helpers.ts';
import { parseDuration, replay } from './replay.ts';

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1500', 1_500],
    ['1.5s', 1_500],
    ['0.5m', 30_000],
    [' 60s ', 60_000],
    ['0', 0],
  ])('%j -> %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '-1s', '10h', '1 s', 's', '1.s', '60S'])('rejects %j with a helpful message', (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });
});

describe('replay', () => {
  it('drops the slices into the inbox in name order, whole, one per interval', async () => {
    const from = tempDir('replay-from');
    const inbox = join(tempDir('replay-to'), 'inbox');
    writeFileSync(join(from, '2019-10-02.csv'), 'b');
    writeFileSync(join(from, '2019-10-01.csv'), 'a');
    writeFileSync(join(from, 'notes.txt'), 'ignored');
    const copied = await replay({ from, inbox, intervalMs: 1, logger });
    expect(copied).toEqual(['2019-10-01.csv', '2019-10-02.csv']);
    // Only whole files: no .partial left behind, nothing but the slices.
    expect(readdirSync(inbox).sort()).toEqual(['2019-10-01.csv', '2019-10-02.csv']);
    expect(readFileSync(join(inbox, '2019-10-02.csv'), 'utf8')).toBe('b');
  });

  it('refuses a folder without slices', async () => {
    const empty = tempDir('replay-empty');
    await expect(replay({ from: empty, inbox: join(empty, 'inbox'), intervalMs: 1, logger })).rejects.toThrow(/no .csv files/);
  });
});
