import { describe, expect, it } from 'vitest';
import { addOrder, addToOrderValue, MS_PER_DAY, startHistory, summarise, summaryAt, type Order } from './customer-summary.ts';

const day = (n: number) => Date.UTC(2020, 0, 1) + n * MS_PER_DAY;

describe('summarise', () => {
  it('counts repeat orders and measures recency and age in fractional days', () => {
    const orders: Order[] = [
      { at: day(0), value: 100 },
      { at: day(2.5), value: 10 },
      { at: day(4), value: 30 },
    ];
    expect(summarise(orders, day(10.25))).toEqual({ frequency: 2, recencyDays: 4, ageDays: 10.25, avgRepeatOrderValue: 20 });
  });

  it('leaves the first order out of the mean value, whatever order the orders are listed in', () => {
    const orders: Order[] = [
      { at: day(3), value: 8 },
      { at: day(1), value: 1000 },
      { at: day(2), value: 4 },
    ];
    expect(summarise(orders, day(5))).toEqual({ frequency: 2, recencyDays: 2, ageDays: 4, avgRepeatOrderValue: 6 });
  });

  it('is x = 0 with mean value 0 for a single order', () => {
    expect(summarise([{ at: day(1), value: 50 }], day(3))).toEqual({ frequency: 0, recencyDays: 0, ageDays: 2, avgRepeatOrderValue: 0 });
  });

  it('counts orders at the same millisecond apart, the first listed being the first order', () => {
    const orders: Order[] = [
      { at: day(1), value: 7 },
      { at: day(1), value: 3 },
    ];
    expect(summarise(orders, day(2))).toEqual({ frequency: 1, recencyDays: 0, ageDays: 1, avgRepeatOrderValue: 3 });
  });

  it('refuses no orders', () => {
    expect(() => summarise([], day(1))).toThrow(RangeError);
  });
});

describe('the incremental history', () => {
  it('gives the summary of the order list, orders arriving in any order', () => {
    const orders: Order[] = [
      { at: day(4), value: 12 },
      { at: day(0.5), value: 90 },
      { at: day(6), value: 6 },
      { at: day(0.25), value: 40 },
    ];
    let history = undefined;
    for (const order of orders) history = addOrder(history, order);
    expect(history).toBeDefined();
    if (history === undefined) return;
    expect(summaryAt(history, day(7))).toEqual(summarise(orders, day(7)));
    expect(history).toEqual({ firstOrderAt: day(0.25), firstOrderValue: 40, lastOrderAt: day(6), orders: 4, repeatOrderValueSum: 108 });
  });

  it('is read at any observation end', () => {
    const history = addOrder(startHistory({ at: day(0), value: 5 }), { at: day(1), value: 9 });
    expect(summaryAt(history, day(1)).ageDays).toBe(1);
    expect(summaryAt(history, day(31)).ageDays).toBe(31);
  });

  it('adds a purchase joining an order to that order: the first order, or the repeat sum', () => {
    let history = addOrder(startHistory({ at: day(0), value: 5 }), { at: day(1), value: 9 });
    history = addToOrderValue(history, day(0), 2);
    history = addToOrderValue(history, day(1), 1);
    expect(history.firstOrderValue).toBe(7);
    expect(summaryAt(history, day(2)).avgRepeatOrderValue).toBe(10);
  });
});
