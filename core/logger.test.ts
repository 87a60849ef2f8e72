import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LogFormat, LogLevel } from './config.ts';
import { colourWanted, createLogger } from './logger.ts';

function capture(level: LogLevel, format: LogFormat, colour = false) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { log: createLogger({ level, format, colour, destination }), lines };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const TIME = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;

describe('createLogger', () => {
  it('json: one JSON object per line with level, time and msg', () => {
    const { log, lines } = capture('info', 'json');
    log.info({ file: 'a.csv', rows: 3 }, 'file ingested');
    log.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'file ingested', file: 'a.csv', rows: 3 });
    expect(typeof JSON.parse(lines[0]!).time).toBe('number');
  });

  it('pretty: one line per entry, the fields on it; an error is its type and message, without the stack', async () => {
    const { log, lines } = capture('info', 'pretty');
    log.info({ applied: ['0001', '0002'] }, 'store migrations applied');
    log.error({ err: new Error('store away', { cause: new Error('ECONNREFUSED') }) }, 'aggregator job failed');
    await tick();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${TIME} INFO: store migrations applied \\{"applied":\\["0001","0002"\\]\\}$`));
    expect(lines[1]).toMatch(new RegExp(`^${TIME} ERROR: aggregator job failed: store away: ECONNREFUSED$`));
  });

  it('pretty at debug: the stack follows the line', async () => {
    const { log, lines } = capture('debug', 'pretty');
    log.error({ err: new Error('store away') }, 'aggregator job failed');
    await tick();
    expect(lines[0]).toMatch(new RegExp(`^${TIME} ERROR: aggregator job failed`));
    expect(lines.some((l) => /^\s+at /.test(l))).toBe(true);
  });

  it('pretty in colour when asked', async () => {
    const { log, lines } = capture('info', 'pretty', true);
    log.warn('careful');
    await tick();
    expect(lines[0]).toContain('\u001b[33mWARN');
  });
});

describe('colourWanted', () => {
  it('in a terminal, unless NO_COLOR; FORCE_COLOR forces it', () => {
    expect(colourWanted({}, true)).toBe(true);
    expect(colourWanted({}, false)).toBe(false);
    expect(colourWanted({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colourWanted({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colourWanted({ FORCE_COLOR: '0' }, true)).toBe(false);
  });
});
