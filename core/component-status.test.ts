import { describe, expect, it } from 'vitest';
import { ComponentStatus, type ComponentStatusView } from './component-status.ts';

describe('ComponentStatus', () => {
  it('starts running and records when each state began', () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const status = new ComponentStatus(() => now);
    expect(status.view()).toEqual({ state: 'running', since: '2026-01-01T10:00:00.000Z' });
    now += 5_000;
    status.retrying('broker away');
    expect(status.view()).toEqual({ state: 'retrying', since: '2026-01-01T10:00:05.000Z', reason: 'broker away' });
  });

  it('keeps the start of a retrying spell over repeated attempts, with the latest reason', () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const status = new ComponentStatus(() => now);
    status.retrying('first');
    now += 60_000;
    status.retrying('second');
    expect(status.view()).toEqual({ state: 'retrying', since: '2026-01-01T10:00:00.000Z', reason: 'second' });
  });

  it('returns to running without a reason, and can fail', () => {
    let now = 0;
    const status = new ComponentStatus(() => now);
    status.retrying('x');
    now = 1_000;
    status.running();
    expect(status.view()).toEqual({ state: 'running', since: '1970-01-01T00:00:01.000Z' });
    status.failed('store gone');
    expect(status.view().state).toBe('failed');
    expect(status.view().reason).toBe('store gone');
  });

  it('tells listeners about changes only', () => {
    const status = new ComponentStatus(() => 0);
    const seen: ComponentStatusView[] = [];
    const off = status.onChange((v) => seen.push(v));
    status.running(); // no change
    status.retrying('a');
    status.retrying('a'); // no change
    status.retrying('b');
    off();
    status.running();
    expect(seen.map((v) => `${v.state}:${v.reason ?? ''}`)).toEqual(['retrying:a', 'retrying:b']);
  });
});
