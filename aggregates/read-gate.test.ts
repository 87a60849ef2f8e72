import { describe, expect, it } from 'vitest';
import { QUERY_LIMIT_DEFAULTS } from '../core/config.ts';
import { limitedSettings, limitSettingOf, MAX_QUEUED, QueryLimitError, ReadGate, slotsFor, withLimitHint } from './read-gate.ts';

describe('ReadGate', () => {
  it('runs at most its slots at once and hands a released slot to the first waiter', async () => {
    const gate = new ReadGate(2, 'SETTING');
    const order: string[] = [];
    const a = await gate.acquire();
    const b = await gate.acquire();
    const c = gate.acquire().then((release) => (order.push('c'), release));
    const d = gate.acquire().then((release) => (order.push('d'), release));
    expect([gate.active, gate.waiting]).toEqual([2, 2]);
    a();
    a(); // a second call gives nothing back twice
    const releaseC = await c;
    expect([gate.active, gate.waiting, order]).toEqual([2, 1, ['c']]);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });

  it('drops a waiter whose signal aborts, and refuses once its queue is full', async () => {
    const gate = new ReadGate(1, 'SALESINSIGHTS_QUERY_CONCURRENCY');
    const held = await gate.acquire();
    const controller = new AbortController();
    const gone = gate.acquire(controller.signal);
    controller.abort();
    await expect(gone).rejects.toThrow();
    expect(gate.waiting).toBe(0);
    const waiters = Array.from({ length: MAX_QUEUED }, () => gate.acquire());
    const refused = await gate.acquire().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(QueryLimitError);
    expect(refused).toMatchObject({ code: '202', type: 'TOO_MANY_SIMULTANEOUS_QUERIES' });
    expect((refused as Error).message).toMatch(/SALESINSIGHTS_QUERY_CONCURRENCY/);
    held();
    for (const w of waiters) (await w)();
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });

  it('is sized by the thread pool: two threads a slot in two gates, eight kept for the pipeline', () => {
    expect(slotsFor(4, 64)).toBe(4);
    expect(slotsFor(16, 64)).toBe(14);
    expect(slotsFor(4, 4)).toBe(1);
  });
});

describe('the query limits of a read', () => {
  const limits = { ...QUERY_LIMIT_DEFAULTS, maxSeconds: 300, maxThreads: 1 };

  it('are set on every read, and a read may ask for less', () => {
    expect(limitedSettings(limits)).toMatchObject({ max_execution_time: '300', max_threads: '1', max_memory_usage: String(limits.maxMemoryBytes) });
    expect(limitedSettings(limits, { max_execution_time: '5', output_format_json_quote_64bit_integers: '0' })).toMatchObject({
      max_execution_time: '5',
      output_format_json_quote_64bit_integers: '0',
    });
  });

  it('refuse a read that asks for more, or for none, naming the setting', () => {
    expect(() => limitedSettings(limits, { max_execution_time: '301' })).toThrow(/greater than 300.*SALESINSIGHTS_QUERY_MAX_SECONDS/);
    expect(() => limitedSettings(limits, { max_memory_usage: '0' })).toThrow(/unlimited.*SALESINSIGHTS_QUERY_MAX_MEMORY_BYTES/);
    expect(() => limitedSettings(limits, { max_threads: '8' })).toThrow(QueryLimitError);
  });

  it('name the setting behind a limit the store reports', () => {
    const timeout = 'Code: 159. DB::Exception: Timeout exceeded: elapsed 2000.1 ms, maximum: 2000 ms. (TIMEOUT_EXCEEDED)';
    expect(withLimitHint(timeout, 159)).toBe(
      'Code: 159. DB::Exception: Timeout exceeded: elapsed 2000.1 ms, maximum: 2000 ms (a query limit: SALESINSIGHTS_QUERY_MAX_SECONDS). (TIMEOUT_EXCEEDED)',
    );
    expect(withLimitHint('Code: 60. DB::Exception: Unknown table. (UNKNOWN_TABLE)', 60)).toBe('Code: 60. DB::Exception: Unknown table. (UNKNOWN_TABLE)');
    expect(limitSettingOf(timeout)).toBe('SALESINSIGHTS_QUERY_MAX_SECONDS');
    expect(limitSettingOf('Code: 241. DB::Exception: Query memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)')).toBe('SALESINSIGHTS_QUERY_MAX_MEMORY_BYTES');
    expect(limitSettingOf('Code: 60. DB::Exception: Unknown table. (UNKNOWN_TABLE)')).toBeUndefined();
  });
});
