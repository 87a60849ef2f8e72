import { describe, expect, it } from 'vitest';
import { conflict, dashboardHolder, holderOf, instanceClientId, InstanceIdInUseError, parseInstance, type Instance } from './instances.ts';

const me: Instance = { role: 'start', host: 'box-a', pid: process.pid, home: '/srv/a' };
// Another host: taken as alive (its pid cannot be looked at from here).
const elsewhere = (o: Partial<Instance>): Instance => ({ role: 'start', host: 'box-b', pid: 4242, home: '/srv/a', ...o });

describe('the instances of a namespace', () => {
  it('are named by their client id, any home path included', () => {
    const odd: Instance = { role: 'backfill', host: 'h;1', pid: 7, home: '/tmp/a b;c=d/{x}' };
    expect(parseInstance(instanceClientId(odd))).toEqual(odd);
    expect(parseInstance(instanceClientId({ ...odd, id: 'box-a-3f9c2a1b7e' }))).toEqual({ ...odd, id: 'box-a-3f9c2a1b7e' });
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

  it('name the roles a start runs; a member without them (older builds) runs every role', () => {
    const aggregator: Instance = { ...me, runs: ['aggregator'] };
    expect(parseInstance(instanceClientId(aggregator))).toEqual(aggregator);
    expect(parseInstance(`${instanceClientId(me)};runs=aggregator,web`)).toEqual(aggregator);
  });

  it('with a server: several aggregators and connectors of a namespace, one dashboard', () => {
    const aggregator: Instance = { ...me, runs: ['aggregator'] };
    const dashboard: Instance = { ...me, runs: ['dashboard'] };
    expect(conflict(aggregator, [elsewhere({ runs: ['aggregator'] }), elsewhere({ runs: ['aggregator', 'connector'] })], false)).toBeUndefined();
    expect(dashboardHolder(aggregator, [elsewhere({ runs: ['aggregator', 'dashboard'] })])).toBeUndefined();
    expect(dashboardHolder(dashboard, [elsewhere({ runs: ['aggregator'] }), elsewhere({ role: 'connect' })])).toBeUndefined();
    expect(dashboardHolder(dashboard, [elsewhere({ runs: ['aggregator', 'dashboard'] })])).toMatchObject({ host: 'box-b' });
    expect(dashboardHolder(dashboard, [elsewhere({})])).toBeDefined();
    expect(dashboardHolder(me, [elsewhere({ runs: ['dashboard'] })])).toBeDefined();
    // A killed one on this host holds nothing.
    expect(dashboardHolder(dashboard, [elsewhere({ host: 'box-a', pid: 2 ** 22 + 12345, runs: ['dashboard'] })])).toBeUndefined();
  });

  it('on this host: another home conflicts while its process lives, a killed one does not', () => {
    const here = { ...me, host: 'box-b' };
    expect(conflict(here, [elsewhere({ home: '/srv/b', pid: process.pid })], true)).toBeDefined();
    expect(conflict(here, [elsewhere({ home: '/srv/b', pid: 2 ** 22 + 12345 })], true)).toBeUndefined();
  });
});

describe('the instance id of a connector', () => {
  it('is held by a live member with that id; members without ids (older builds) and killed ones on this host hold none', () => {
    const connectors = [elsewhere({ role: 'connect', id: 'b-1' }), elsewhere({ role: 'connect' }), elsewhere({ role: 'start', host: 'box-a', pid: 2 ** 22 + 12345, id: 'a-1' })];
    expect(holderOf('b-1', 'box-a', connectors)).toMatchObject({ host: 'box-b', id: 'b-1' });
    expect(holderOf('c-1', 'box-a', connectors)).toBeUndefined();
    expect(holderOf('a-1', 'box-a', connectors)).toBeUndefined();
    expect(holderOf('a-1', 'box-a', [elsewhere({ host: 'box-a', pid: process.pid, id: 'a-1' })])).toBeDefined();
  });

  it('in use: the error names the id, the other process and the setting', () => {
    const e = new InstanceIdInUseError({ ...elsewhere({ role: 'connect' }), id: 'b-1' });
    expect(e.setting).toBe('SALESINSIGHTS_INSTANCE_ID');
    expect(e.message).toMatch(/^SALESINSIGHTS_INSTANCE_ID: "b-1" is in use by `salesinsights connect` \(pid 4242 on box-b, SALESINSIGHTS_HOME=\/srv\/a\); /);
  });
});
