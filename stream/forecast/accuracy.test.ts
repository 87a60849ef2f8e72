import { describe, expect, it } from 'vitest';
import { coverage, mase, meanAbsoluteError, seasonalNaive, seasonalNaiveMae, smape } from './accuracy.ts';

describe('seasonalNaive', () => {
  const values = Array.from({ length: 200 }, (_, t) => t);

  it('takes the same hour a week earlier when the history holds it', () => {
    expect(seasonalNaive(values, 180, 180)).toBe(12);
    expect(seasonalNaive(values, 180, 199)).toBe(31);
  });

  it('takes the same hour a day earlier where the week is missing, the latest known for hours past a day ahead', () => {
    expect(seasonalNaive(values, 30, 30)).toBe(6);
    expect(seasonalNaive(values, 30, 53)).toBe(29);
    expect(seasonalNaive(values, 30, 54)).toBe(6);
  });

  it('is NaN under a day of history', () => {
    expect(seasonalNaive(values, 10, 12)).toBeNaN();
  });
});

describe('seasonalNaiveMae', () => {
  it('scores each hour against a day earlier before the first week, a week earlier after', () => {
    // Hours 0-23 are 0, 24-167 are 1 (|1-0| = 1 at 24-47, 0 at 48-167), 168-169 are 5 (|5-0| = 5 against hours 0-1).
    const history = [...new Array<number>(24).fill(0), ...new Array<number>(144).fill(1), 5, 5];
    expect(seasonalNaiveMae(history)).toBeCloseTo((24 * 1 + 120 * 0 + 2 * 5) / 146, 12);
  });

  it('is NaN under a day', () => {
    expect(seasonalNaiveMae([1, 2, 3])).toBeNaN();
  });
});

describe('mase', () => {
  it('is the forecast MAE over the scale', () => {
    // Errors 1, 2, 3: MAE 2; scale 4.
    expect(meanAbsoluteError([10, 20, 30], [11, 18, 33])).toBe(2);
    expect(mase([10, 20, 30], [11, 18, 33], 4)).toBe(0.5);
  });

  it('is NaN when the scale is 0 (a history the baseline predicts exactly)', () => {
    expect(mase([1], [2], 0)).toBeNaN();
  });
});

describe('smape', () => {
  it('averages 200 |a - f| / (|a| + |f|)', () => {
    // 200·10/30 = 66.67 and 200·0/40 = 0: mean 33.33.
    expect(smape([10, 20], [20, 20])).toBeCloseTo(100 / 3, 10);
  });

  it('counts 0 against 0 as 0 and 0 against anything else as 200', () => {
    expect(smape([0, 0], [0, 0])).toBe(0);
    expect(smape([0, 0, 5], [0, 3, 5])).toBeCloseTo(200 / 3, 10);
  });
});

describe('coverage', () => {
  it('is the share inside the bounds, bounds included', () => {
    expect(coverage([1, 2, 3, 4], [1, 0, 3.5, 0], [2, 1, 4, 4])).toBe(0.5);
  });
});
