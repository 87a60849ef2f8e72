import { describe, expect, it } from 'vitest';
import { END_OF_INPUT, ManualClock, NO_WATERMARK } from './time.ts';
import { BoundedOutOfOrdernessWatermarks, WatermarkTracker } from './watermark.ts';
import { sec } from '../test/fixtures.ts';

const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('BoundedOutOfOrdernessWatermarks', () => {
  it('is NO_WATERMARK before the first event', () => {
    expect(new BoundedOutOfOrdernessWatermarks(45_000).current()).toBe(NO_WATERMARK);
  });

  it('is the highest event time minus the bound', () => {
    const w = new BoundedOutOfOrdernessWatermarks(45_000);
    w.onEvent(sec(100));
    expect(w.current()).toBe(sec(55));
    expect(w.maxTimestamp).toBe(sec(100));
  });

  it('an out-of-order event does not move it back', () => {
    const w = new BoundedOutOfOrdernessWatermarks(45_000);
    w.onEvent(sec(100));
    w.onEvent(sec(60));
    expect(w.current()).toBe(sec(55));
    expect(w.maxTimestamp).toBe(sec(100));
    w.onEvent(sec(110));
    expect(w.current()).toBe(sec(65));
  });

  it('a zero bound tracks the highest event time exactly', () => {
    const w = new BoundedOutOfOrdernessWatermarks(0);
    w.onEvent(sec(7));
    expect(w.current()).toBe(sec(7));
  });

  it.each([-1, Number.NaN, -45_000])('rejects the bound %s', (bound) => {
    expect(() => new BoundedOutOfOrdernessWatermarks(bound)).toThrow(RangeError);
  });

  it('advanceTo sets a floor that events cannot lower and lower values cannot undo', () => {
    const w = new BoundedOutOfOrdernessWatermarks(45_000);
    w.onEvent(sec(100));
    w.advanceTo(sec(200));
    expect(w.current()).toBe(sec(200));
    w.onEvent(sec(150)); // 150 - 45 = 105 < floor
    expect(w.current()).toBe(sec(200));
    w.advanceTo(sec(10));
    expect(w.current()).toBe(sec(200));
    w.onEvent(sec(300));
    expect(w.current()).toBe(sec(255));
  });

  it('snapshot survives JSON and restores the same watermark and max timestamp', () => {
    const w = new BoundedOutOfOrdernessWatermarks(45_000);
    w.onEvent(sec(100));
    w.advanceTo(sec(70));
    const r = new BoundedOutOfOrdernessWatermarks(45_000);
    r.restore(json(w.snapshot()));
    expect(r.current()).toBe(w.current());
    expect(r.maxTimestamp).toBe(sec(100));
    r.onEvent(sec(130));
    expect(r.current()).toBe(sec(85));
  });

  it('snapshot of a fresh generator restores to NO_WATERMARK', () => {
    const r = new BoundedOutOfOrdernessWatermarks(45_000);
    r.onEvent(sec(1));
    r.restore(json(new BoundedOutOfOrdernessWatermarks(45_000).snapshot()));
    expect(r.current()).toBe(NO_WATERMARK);
    expect(r.maxTimestamp).toBe(NO_WATERMARK);
  });

  it('snapshot/restore keeps a watermark advanced to END_OF_INPUT (a watermark never goes back)', () => {
    const w = new BoundedOutOfOrdernessWatermarks(45_000);
    w.onEvent(sec(100));
    w.advanceTo(END_OF_INPUT);
    expect(w.current()).toBe(END_OF_INPUT);
    const r = new BoundedOutOfOrdernessWatermarks(45_000);
    r.restore(json(w.snapshot()));
    expect(r.current()).toBe(END_OF_INPUT);
  });
});

describe('WatermarkTracker', () => {
  it('is NO_WATERMARK with no partitions', () => {
    expect(new WatermarkTracker(new ManualClock(), 30_000).combined()).toBe(NO_WATERMARK);
  });

  it('combines partitions by minimum', () => {
    const t = new WatermarkTracker(new ManualClock(), 30_000);
    t.report('0', sec(100), true);
    t.report('1', sec(50), true);
    t.report('2', sec(70), true);
    expect(t.combined()).toBe(sec(50));
    t.report('1', sec(90), true);
    expect(t.combined()).toBe(sec(70));
  });

  it('a partition that has seen no event yet holds the combined watermark at NO_WATERMARK until idle', () => {
    const clock = new ManualClock();
    const t = new WatermarkTracker(clock, 30_000);
    t.report('0', sec(100), true);
    t.report('1', NO_WATERMARK, false);
    expect(t.combined()).toBe(NO_WATERMARK);
    clock.advance(15_000);
    t.report('0', sec(115), true);
    clock.advance(15_000);
    t.report('0', sec(130), true);
    expect(t.combined()).toBe(sec(130));
  });

  it('an idle partition does not hold back the combined watermark', () => {
    const clock = new ManualClock(1_000_000);
    const t = new WatermarkTracker(clock, 30_000);
    t.report('busy', sec(100), true);
    t.report('quiet', sec(50), true);
    expect(t.combined()).toBe(sec(50));

    clock.advance(29_999);
    t.report('busy', sec(130), true);
    t.report('quiet', sec(50), false);
    expect(t.isIdle('quiet')).toBe(false);
    expect(t.combined()).toBe(sec(50));

    clock.advance(1);
    t.report('busy', sec(131), true);
    t.report('quiet', sec(50), false); // a report without events does not refresh its activity
    expect(t.isIdle('quiet')).toBe(true);
    expect(t.isIdle('busy')).toBe(false);
    expect(t.combined()).toBe(sec(131));
  });

  it('an idle partition that sees events again counts again', () => {
    const clock = new ManualClock();
    const t = new WatermarkTracker(clock, 10_000);
    t.report('a', sec(100), true);
    t.report('b', sec(20), true);
    clock.advance(5_000);
    t.report('a', sec(105), true);
    clock.advance(5_000);
    t.report('a', sec(110), true);
    expect(t.combined()).toBe(sec(110));
    t.report('b', sec(60), true);
    expect(t.isIdle('b')).toBe(false);
    expect(t.combined()).toBe(sec(60));
  });

  it('when every partition is idle, the minimum over all of them', () => {
    const clock = new ManualClock();
    const t = new WatermarkTracker(clock, 10_000);
    t.report('a', sec(100), true);
    t.report('b', sec(40), true);
    clock.advance(60_000);
    expect(t.isIdle('a')).toBe(true);
    expect(t.isIdle('b')).toBe(true);
    expect(t.combined()).toBe(sec(40));
  });

  it('after a pause of every partition, the first to resume leaves the others a fresh idle timeout', () => {
    // A broker outage or a gap between files: the others' data follows in the same fetch or the next.
    const clock = new ManualClock();
    const t = new WatermarkTracker(clock, 10_000);
    t.report('a', sec(100), true);
    t.report('b', sec(95), true);
    clock.advance(60_000);
    t.report('a', sec(3_000), true);
    expect(t.isIdle('b')).toBe(false);
    expect(t.combined()).toBe(sec(95));
    clock.advance(5_000);
    t.report('b', sec(2_990), true);
    expect(t.combined()).toBe(sec(2_990));
    // One that stays without events while the other goes on is idle after the timeout.
    clock.advance(5_000);
    t.report('a', sec(3_010), true);
    clock.advance(5_000);
    t.report('a', sec(3_020), true);
    expect(t.isIdle('b')).toBe(true);
    expect(t.combined()).toBe(sec(3_020));
  });

  it('a partition resuming after idleness leaves the other idle ones a fresh idle timeout, also when one was not idle', () => {
    const clock = new ManualClock();
    const t = new WatermarkTracker(clock, 10_000);
    t.report('a', sec(100), true);
    t.report('b', sec(95), true);
    clock.advance(5_000);
    t.report('c', sec(98), true);
    clock.advance(7_000);
    t.report('a', sec(3_000), true);
    expect(t.isIdle('b')).toBe(false);
    expect(t.combined()).toBe(sec(95));
  });

  it('an idle timeout of 0 disables idleness', () => {
    const clock = new ManualClock();
    const t = new WatermarkTracker(clock, 0);
    t.report('a', sec(100), true);
    t.report('b', sec(40), true);
    clock.advance(3_600_000);
    t.report('a', sec(200), true);
    expect(t.isIdle('b')).toBe(false);
    expect(t.combined()).toBe(sec(40));
  });

  it('a removed partition no longer counts; an unknown one is not idle', () => {
    const t = new WatermarkTracker(new ManualClock(), 30_000);
    t.report('a', sec(100), true);
    t.report('b', sec(40), true);
    t.remove('b');
    expect(t.combined()).toBe(sec(100));
    expect(t.isIdle('b')).toBe(false);
    t.remove('a');
    expect(t.combined()).toBe(NO_WATERMARK);
  });
});
