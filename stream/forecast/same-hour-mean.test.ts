import { describe, expect, it } from 'vitest';
import { sameHourMeanForecast } from './same-hour-mean.ts';

describe('sameHourMeanForecast', () => {
  it('forecasts each hour as the mean of the same hour of the day, the overall mean for an hour not seen', () => {
    // Hours of the day 22, 23, 0, 1: mean 25. The next hours are 2, 3, ..., 21 (not seen), then 22, 23, 0.
    const { point } = sameHourMeanForecast([10, 20, 30, 40], 22, 23);
    expect(point.slice(0, 20)).toEqual(new Array(20).fill(25));
    expect(point.slice(20)).toEqual([10, 20, 30]);
  });

  it('averages the same hour over the days seen', () => {
    // Hour 0 is 10 on the first day and 30 on the second; hour 1 is 1.
    const values = [10, ...new Array<number>(23).fill(1), 30];
    const { point } = sameHourMeanForecast(values, 0, 24);
    expect(point[0]).toBe(1);
    expect(point[23]).toBe(20);
  });

  it('is as wide as the nearest-rank quantile of the absolute deviations from the mean', () => {
    // Mean 5; deviations 5, 3, 1, 1, 3, 5 → sorted 1 1 3 3 5 5: the 80 % rank is ceil(4.8) = 5th (5), the 95 % the 6th (5).
    const forecast = sameHourMeanForecast([0, 2, 4, 6, 8, 10], 0, 1);
    expect(forecast.point[0]).toBe(5);
    expect([forecast.lo80[0], forecast.hi80[0], forecast.lo95[0], forecast.hi95[0]]).toEqual([0, 10, 0, 10]);
  });

  it('leaves non-finite values out and forecasts 0 with no width from no finite value', () => {
    expect(sameHourMeanForecast([NaN, 4], 0, 1).point).toEqual([4]);
    expect(sameHourMeanForecast([], 0, 2)).toEqual({ point: [0, 0], lo80: [0, 0], hi80: [0, 0], lo95: [0, 0], hi95: [0, 0] });
  });
});
