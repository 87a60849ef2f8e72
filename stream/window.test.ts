import { describe, expect, it } from 'vitest';
import { hopping, isWindowFinal, tumbling } from './window.ts';
import { sec } from '../test/fixtures.ts';

describe('tumbling windows', () => {
  const minute = tumbling(60_000);

  it('puts an event in exactly one epoch-aligned half-open window', () => {
    expect(minute.assign(sec(0))).toEqual([{ start: sec(0), end: sec(60) }]);
    expect(minute.assign(sec(30))).toEqual([{ start: sec(0), end: sec(60) }]);
    expect(minute.assign(sec(60) - 1)).toEqual([{ start: sec(0), end: sec(60) }]);
  });

  it('an event exactly at a window end belongs to the next window', () => {
    expect(minute.assign(sec(60))).toEqual([{ start: sec(60), end: sec(120) }]);
  });

  it('aligns negative times too', () => {
    expect(minute.assign(-1)).toEqual([{ start: -60_000, end: 0 }]);
    expect(minute.assign(-60_000)).toEqual([{ start: -60_000, end: 0 }]);
    expect(minute.assign(0)).toEqual([{ start: 0, end: 60_000 }]);
  });

  it('accepts any positive integer size, e.g. 45 s and 7 ms', () => {
    const w45 = tumbling(45_000);
    expect(w45.sizeMs).toBe(45_000);
    expect(w45.assign(100_000)).toEqual([{ start: 90_000, end: 135_000 }]);
    expect(tumbling(7).assign(13)).toEqual([{ start: 7, end: 14 }]);
  });

  it.each([0, -1, -60_000, 1.5, 59_999.9, Number.NaN, Number.POSITIVE_INFINITY])('rejects size %s', (size) => {
    expect(() => tumbling(size)).toThrow(RangeError);
  });
});

describe('hopping windows', () => {
  it('puts an event in size/slide windows, each containing it, in order', () => {
    const h = hopping(60_000, 20_000);
    const ws = h.assign(sec(70));
    expect(ws).toHaveLength(3);
    expect(ws).toEqual([
      { start: sec(20), end: sec(80) },
      { start: sec(40), end: sec(100) },
      { start: sec(60), end: sec(120) },
    ]);
    for (const w of ws) {
      expect(w.end - w.start).toBe(60_000);
      expect(w.start <= sec(70) && sec(70) < w.end).toBe(true);
    }
  });

  it('at a slide boundary the event opens a window and leaves the one ending there', () => {
    const ws = hopping(60_000, 30_000).assign(sec(60));
    expect(ws).toEqual([
      { start: sec(30), end: sec(90) },
      { start: sec(60), end: sec(120) },
    ]);
  });

  it('slide == size is tumbling', () => {
    expect(hopping(60_000, 60_000).assign(sec(61))).toEqual(tumbling(60_000).assign(sec(61)));
  });

  it.each([
    [60_000, 0],
    [60_000, -10_000],
    [60_000, 25_000],
    [60_000, 120_000],
    [60_000, 1.5],
    [Number.NaN, 1_000],
  ])('rejects size %s slide %s', (size, slide) => {
    expect(() => hopping(size, slide)).toThrow(RangeError);
  });
});

describe('isWindowFinal', () => {
  const w = { start: sec(0), end: sec(60) };
  it('is final once the watermark reaches the end', () => {
    expect(isWindowFinal(w, sec(60) - 1, 0)).toBe(false);
    expect(isWindowFinal(w, sec(60), 0)).toBe(true);
    expect(isWindowFinal(w, Number.NEGATIVE_INFINITY, 0)).toBe(false);
    expect(isWindowFinal(w, Number.POSITIVE_INFINITY, 0)).toBe(true);
  });
  it('waits the allowed lateness beyond the end', () => {
    expect(isWindowFinal(w, sec(65) - 1, 5_000)).toBe(false);
    expect(isWindowFinal(w, sec(65), 5_000)).toBe(true);
  });
});
