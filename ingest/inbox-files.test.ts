import { describe, expect, it } from 'vitest';
import { closeSync, lstatSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { createHash } from 'node:crypto';
import { tempDir } from '../test/helpers.ts';
import { hashPrefixes } from './file-hash.ts';
import { heldOpen, nameRule, notRegular, observe, selectFiles } from './inbox-files.ts';

const dir = () => tempDir('inbox-files');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('nameRule', () => {
  it.each([
    ['2019-10-01.csv', 'take'],
    ['2019-10-01.CSV', 'take'],
    ['2019-10-01.csv.gz', 'take'],
    ['.2019-10-01.csv', 'ignore'],
    ['.done', 'ignore'],
    ['2019-10-01.csv.tmp', 'ignore'],
    ['2019-10-01.csv.part', 'ignore'],
    ['2019-10-01.csv.partial', 'ignore'],
    ['2019-10-01.csv.crdownload', 'ignore'],
    ['notes.txt', 'other'],
    ['events.json', 'other'],
    ['README', 'other'],
    ['2019-10-01.csv.zip', 'other'],
  ])('%s: %s', (name, rule) => {
    expect(nameRule(name)).toBe(rule);
  });
});

describe('notRegular', () => {
  it('names links, directories and fifos, and passes regular files', () => {
    const d = dir();
    writeFileSync(join(d, 'a.csv'), 'x');
    symlinkSync(join(d, 'a.csv'), join(d, 'link.csv'));
    mkdirSync(join(d, 'sub.csv'));
    execFileSync('mkfifo', [join(d, 'fifo.csv')]);
    expect(notRegular(lstatSync(join(d, 'a.csv')))).toBeUndefined();
    expect(notRegular(lstatSync(join(d, 'link.csv')))).toMatch(/symbolic link/);
    expect(notRegular(lstatSync(join(d, 'sub.csv')))).toMatch(/directory/);
    expect(notRegular(lstatSync(join(d, 'fifo.csv')))).toMatch(/fifo/);
  });
});

describe('observe', () => {
  const quietMs = 1000;
  it('a fresh file is quiet only once unchanged for the quiet period', () => {
    const first = observe(undefined, { size: 10, mtimeMs: 5000 }, 5000, quietMs);
    expect(first.quiet).toBe(false);
    const later = observe(first.observation, { size: 10, mtimeMs: 5000 }, 5999, quietMs);
    expect(later.quiet).toBe(false);
    expect(observe(later.observation, { size: 10, mtimeMs: 5000 }, 6000, quietMs).quiet).toBe(true);
  });

  it('a change restarts the quiet period, even for a file with an old mtime', () => {
    const first = observe(undefined, { size: 10, mtimeMs: 5000 }, 5500, quietMs);
    const grown = observe(first.observation, { size: 20, mtimeMs: 5000 }, 9000, quietMs);
    expect(grown.quiet).toBe(false);
    expect(grown.observation.since).toBe(9000);
    expect(observe(grown.observation, { size: 20, mtimeMs: 5000 }, 9500, quietMs).quiet).toBe(true); // mtime 4.5 s old
    const touched = observe(first.observation, { size: 10, mtimeMs: 8000 }, 8000, quietMs);
    expect(touched.quiet).toBe(false);
    expect(observe(touched.observation, { size: 10, mtimeMs: 8000 }, 8500, quietMs).quiet).toBe(false);
  });

  it('a file not modified for the quiet period is quiet at first sight', () => {
    expect(observe(undefined, { size: 10, mtimeMs: 1000 }, 2000, quietMs).quiet).toBe(true);
  });
});

describe('heldOpen', () => {
  it('sees a file this process holds open, and not once it is closed', async () => {
    const d = dir();
    const [a, b] = [join(d, 'a.csv'), join(d, 'b.csv')];
    writeFileSync(a, 'x');
    writeFileSync(b, 'y');
    const fd = openSync(a, 'a');
    try {
      expect(await heldOpen([a, b])).toEqual(new Set([a]));
    } finally {
      closeSync(fd);
    }
    expect(await heldOpen([a, b])).toEqual(new Set());
  });
});

describe('selectFiles', () => {
  it('takes regular data files in lexical order and warns once about every other entry', async () => {
    const d = dir();
    const outside = join(dir(), 'secret.csv');
    writeFileSync(outside, 'secret');
    for (const name of ['b.csv', 'a.csv.gz', 'c.txt', '.hidden.csv', 'd.csv.part']) writeFileSync(join(d, name), 'x');
    symlinkSync(outside, join(d, 'link.csv'));
    mkdirSync(join(d, 'dir.csv'));
    const lines: Array<{ file: string; msg: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as { file: string; msg: string }) });
    expect(await selectFiles(d, logger)).toEqual(['a.csv.gz', 'b.csv']);
    expect(lines.map((l) => [l.file, l.msg])).toEqual([
      ['c.txt', expect.stringMatching(/not a data file name/)],
      ['dir.csv', expect.stringMatching(/directory/)],
      ['link.csv', expect.stringMatching(/symbolic link/)],
    ]);
  });
});

describe('hashPrefixes', () => {
  it('hashes the first size bytes and each prefix asked for', async () => {
    const d = dir();
    const text = 'header\nrow one\nrow two\n';
    writeFileSync(join(d, 'f.csv'), `${text}tail`);
    const handle = await open(join(d, 'f.csv'));
    try {
      const { hash, prefixes, bytes } = await hashPrefixes(handle, text.length, [0, 7, 15, text.length, 99]);
      expect(bytes).toBe(text.length);
      expect(hash).toBe(sha(text));
      expect(prefixes).toEqual(new Map([[0, sha('')], [7, sha('header\n')], [15, sha('header\nrow one\n')]]));
    } finally {
      await handle.close();
    }
  });
});
