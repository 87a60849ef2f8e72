// start --demo's preparation and replay, small: a two-day week of 2,000 rows a day in hourly
// slices, reused on a second run, replayed into an inbox from where the store left off.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { tempDirsRemovedAfterAll } from '../../test/helpers.ts';
import { DEMO_DEFAULTS, prepareDemo, replayDemo, sliceEnd } from './demo.ts';

const quiet = pino({ level: 'silent' });
const tempDir = tempDirsRemovedAfterAll('demo-test');

const OPTIONS = { ...DEMO_DEFAULTS, days: 2, rowsPerDay: 2000, startDay: '2019-10-07' };
const dataLines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(1).filter((l) => l !== '');

describe('demo', () => {
  it('defaults to a week at the real dataset rate, one day per minute, after the shipped sample', () => {
    expect(DEMO_DEFAULTS).toMatchObject({ days: 7, rowsPerDay: 136_000, dayMs: 60_000 });
    expect(Date.parse(DEMO_DEFAULTS.startDay)).toBeGreaterThan(Date.parse('2019-10-04'));
  });

  it('generates hourly slices of the week once, each row in its hour, and reuses them', async () => {
    const dir = tempDir();
    const files = await prepareDemo(dir, OPTIONS, quiet);
    expect(files).toEqual([...files].sort());
    expect(files.length).toBeGreaterThan(40); // 48 hours; a night hour of a small day may have no rows
    let rows = 0;
    for (const f of files) {
      const end = sliceEnd(f);
      expect(readFileSync(join(dir, f), 'utf8').split('\n')[0]).toBe(CSV_HEADER);
      for (const line of dataLines(join(dir, f))) {
        const t = Date.parse(`${line.slice(0, 10)}T${line.slice(11, 19)}Z`);
        expect(t >= end - 3_600_000 && t < end, `${line} in ${f}`).toBe(true);
        rows += 1;
      }
    }
    expect(rows).toBe(OPTIONS.days * OPTIONS.rowsPerDay);
    expect(files[0]!.startsWith('2019-10-07-')).toBe(true);
    expect(files.at(-1)!.startsWith('2019-10-08-')).toBe(true);

    const before = statSync(join(dir, files[0]!)).mtimeMs;
    expect(await prepareDemo(dir, OPTIONS, quiet)).toEqual(files);
    expect(statSync(join(dir, files[0]!)).mtimeMs).toBe(before);

    // Other options, or a slice missing (an interrupted first run), generate again.
    rmSync(join(dir, files[3]!));
    expect(await prepareDemo(dir, OPTIONS, quiet)).toEqual(files);
    const bigger = await prepareDemo(dir, { ...OPTIONS, days: 3 }, quiet);
    expect(bigger.length).toBeGreaterThan(files.length);
    expect(readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()).toEqual(bigger);
  });

  it('replays the slices after the newest window of the store into the inbox, in order, and stops when told', async () => {
    const dir = tempDir();
    const files = await prepareDemo(dir, OPTIONS, quiet);
    const inbox = join(tempDir(), 'inbox');
    // The store already reached 2019-10-08 06:00: the slices from that hour on.
    const after = Date.parse('2019-10-08T06:00:00Z');
    const dropped = await replayDemo({ dir, files, inbox, after, dayMs: 24, logger: quiet });
    expect(dropped).toEqual(files.filter((f) => f >= '2019-10-08-06'));
    expect(readdirSync(inbox).sort()).toEqual(dropped);
    expect(readFileSync(join(inbox, dropped[0]!), 'utf8')).toBe(readFileSync(join(dir, dropped[0]!), 'utf8'));

    // Nothing left after the week; a fresh store gets every slice.
    expect(await replayDemo({ dir, files, inbox: join(tempDir(), 'inbox'), after: sliceEnd(files.at(-1)!), dayMs: 24, logger: quiet })).toEqual([]);
    const stop = new AbortController();
    const inbox2 = join(tempDir(), 'inbox');
    const run = replayDemo({ dir, files, inbox: inbox2, after: null, dayMs: 24 * 50, logger: quiet, signal: stop.signal });
    setTimeout(() => stop.abort(), 120);
    await expect(run).rejects.toThrow(/abort/i);
    const partial = readdirSync(inbox2);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(files.length);
  });

  it('names the hour a slice covers and refuses other names', () => {
    expect(sliceEnd('2019-10-07-23.csv')).toBe(Date.parse('2019-10-08T00:00:00Z'));
    expect(() => sliceEnd('2019-10-07.csv')).toThrow(/not a demo slice/);
  });
});
