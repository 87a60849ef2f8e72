// A schema registry that is slow or away when the connector opens: under load a request can
// outlast its timeout, and that must be waited for, not end `start`. A refusal (an
// incompatible schema) still fails at once. The registry is the real one, reached through a
// TCP relay that holds the first connections without an answer.
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { logger } from '../../core/logger.ts';
import { createSchemaRegistry, isRegistryRefusal, registerEventSchema, SHOP_EVENT_SCHEMA } from '../../core/avro.ts';
import { Connector } from '../../ingest/index.ts';
import { isolatedConfig, tempDir, until } from '../helpers.ts';

const config = isolatedConfig('registry_slow');
const registry = new URL(config.schemaRegistryUrl);

/** Relays to the real registry once `answering` is set; before that, connections hang. */
let answering = false;
const held: Socket[] = [];
const relay = createServer((client) => {
  if (!answering) {
    held.push(client);
    client.on('error', () => undefined);
    return;
  }
  const upstream = connect(Number(registry.port), registry.hostname);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
const listening = once(relay.listen(0, '127.0.0.1'), 'listening');

afterAll(() => {
  for (const socket of held) socket.destroy();
  relay.close();
});

describe('the connector opening against a slow schema registry', () => {
  it('waits out requests that time out and registers once the registry answers', async () => {
    await listening;
    const url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}${registry.pathname}`;
    const connector = new Connector({ ...config, schemaRegistryUrl: url }, logger, { inbox: tempDir('registry-slow'), registryTimeoutMs: 500 });
    const opened = connector.open().then(() => 'opened');
    // A second connection comes only after the first request timed out; then the registry answers.
    await until('a registry request timed out and was sent again', async () => (held.length > 1 ? true : undefined), 30_000);
    answering = true;
    expect(await opened).toBe('opened');
    await connector.close();
  });

  it('tells a refusal from a registry that is away', async () => {
    const real = createSchemaRegistry(config.schemaRegistryUrl);
    await registerEventSchema(real, config.namespace);
    const breaking = { ...(SHOP_EVENT_SCHEMA as object), fields: [{ name: 'only', type: 'string' }] };
    const refusal = await registerEventSchema(real, config.namespace, breaking as typeof SHOP_EVENT_SCHEMA).catch((err: unknown) => err);
    expect(isRegistryRefusal(refusal)).toBe(true);
    const away = await registerEventSchema(createSchemaRegistry('http://127.0.0.1:1'), config.namespace).catch((err: unknown) => err);
    expect(away).toBeInstanceOf(Error);
    expect(isRegistryRefusal(away)).toBe(false);
  });
});
