import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { connectorInstanceId, connectorTransactionalId, derivedInstanceId, httpSourceTransactionalId } from './instance-id.ts';
import { INSTANCE_ID } from './config.ts';

describe('the instance id of a connector', () => {
  it('derives from the host and the absolute inbox path: the host label and 10 hex digits of their SHA-256', () => {
    const expectedDigest = createHash('sha256').update('box-a.shop.example\n/srv/inbox').digest('hex').slice(0, 10);
    expect(derivedInstanceId('box-a.shop.example', '/srv/inbox')).toBe(`box-a-${expectedDigest}`);
  });

  it('is stable for the same host and inbox (however the path is written), and differs for another host or inbox', () => {
    const id = derivedInstanceId('box-a', '/srv/inbox');
    expect(derivedInstanceId('box-a', '/srv/./x/../inbox/')).toBe(id);
    expect(derivedInstanceId('box-b', '/srv/inbox')).not.toBe(id);
    expect(derivedInstanceId('box-a', '/srv/inbox-2')).not.toBe(id);
    expect(derivedInstanceId('box-a', 'inbox')).toBe(derivedInstanceId('box-a', `${process.cwd()}/inbox`));
  });

  it('is a valid setting value for any host name', () => {
    for (const host of ['box-a', 'BOX_A.local', '-', '', 'ünï.example', 'a'.repeat(300), '7f3a9c2e1b0d']) {
      expect(derivedInstanceId(host, '/srv/inbox')).toMatch(INSTANCE_ID);
    }
    expect(derivedInstanceId('', '/i')).toMatch(/^host-[0-9a-f]{10}$/);
  });

  it('SALESINSIGHTS_INSTANCE_ID wins over the derived one', () => {
    expect(connectorInstanceId({ instanceId: 'eu-1' }, '/srv/inbox', 'box-a')).toBe('eu-1');
    expect(connectorInstanceId({}, '/srv/inbox', 'box-a')).toBe(derivedInstanceId('box-a', '/srv/inbox'));
  });

  it('names the transactional ids of the connector and of the HTTP source', () => {
    expect(connectorTransactionalId('shop', 'eu-1')).toBe('shop.connector.eu-1');
    expect(httpSourceTransactionalId('shop', 'eu-1')).toBe('shop.http-source.eu-1');
  });
});
