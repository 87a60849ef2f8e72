import { describe, expect, it } from 'vitest';
import { conflict, instanceClientId, parseInstance, type Instance } from './instances.ts';

const me: Instance = { role: 'start', host: 'box-a', pid: process.pid, home: '/srv/a' };
// Another host: taken as alive (its pid cannot be looked at from here).
const elsewhere = (o: Partial<Instance>): Instance => ({ role: 'start', host: 'box-b', pid: 4242, home: '/srv/a', ...o });

describe('the instances of a namespace', () => {
  it('are named by their client id, any home path included', () => {
    const odd: Instance = { role: 'backfill', host: 'h;1', pid: 7, home: '/tmp/a b;c=d/{x}' };
    expect(parseInstance(instanceClientId(odd))).toEqual(odd);
    expect(parseInstance('salesinsights-aggregator')).toBeUndefined();
    expect(parseInstance('salesinsights-instance;role=dance;host=h;pid=1;home=/')).toBeUndefined();
  });

  it('with the embedded store: one home only; with a server, or for a connector, any mix', () => {
    expect(conflict(me, [elsewhere({})], true)).toMatchObject({ host: 'box-b' });
    expect(conflict(me, [elsewhere({ role: 'backfill' })], true)).toBeDefined();
    expect(conflict(me, [elsewhere({ role: 'connect' })], true)).toBeUndefined();
    expect(conflict(me, [elsewhere({})], false)).toBeUndefined();
    expect(conflict({ ...me, role: 'connect' }, [elsewhere({})], true)).toBeUndefined();
  });

  it('on this host: another home conflicts while its process lives, a killed one does not', () => {
    const here = { ...me, host: 'box-b' };
    expect(conflict(here, [elsewhere({ home: '/srv/b', pid: process.pid })], true)).toBeDefined();
    expect(conflict(here, [elsewhere({ home: '/srv/b', pid: 2 ** 22 + 12345 })], true)).toBeUndefined();
  });
});
