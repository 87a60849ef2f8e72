import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { kafkaSecurityOptions, saslAuthFailure } from './kafka.ts';

describe('kafkaSecurityOptions', () => {
  it('plain TCP, and TLS with the built-in CAs', () => {
    expect(kafkaSecurityOptions(loadConfig({}))).toEqual({ ssl: false });
    expect(kafkaSecurityOptions(loadConfig({ KAFKA_SSL: 'true' }))).toEqual({ ssl: true });
  });

  it('passes the CA file to TLS and the SASL credentials through', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'kafka-tls-')), 'ca.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(ca, pem);
    const config = loadConfig({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: 'alice-secret',
    });
    const options = kafkaSecurityOptions(config);
    expect(options).toEqual({
      ssl: { ca: [pem], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
    });
    // kafkajs writes its authenticator onto the object it gets: never onto config's own.
    expect(options.sasl).not.toBe(config.kafka.sasl);
  });

  it('KAFKA_SSL_REJECT_UNAUTHORIZED=false turns certificate checks off', () => {
    expect(kafkaSecurityOptions(loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }))).toEqual({ ssl: { rejectUnauthorized: false } });
  });
});

describe('saslAuthFailure', () => {
  const sasl = loadConfig({ KAFKA_BROKERS: 'k1:9093', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 'x' });
  const refused = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), { name: 'KafkaJSSASLAuthenticationError' });

  it("turns kafkajs' refused login into a ConfigError naming the user and both settings", () => {
    const e = saslAuthFailure(sasl, refused);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e?.setting).toBe('KAFKA_SASL_USERNAME');
    expect(e?.message).toMatch(/^KAFKA_SASL_USERNAME: authentication failed for "alice" \(scram-sha-512\) at k1:9093; check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD \(SASL SCRAM/);
    expect(e?.message).not.toContain('"x"');
  });

  it('leaves other errors, and configurations without SASL, alone', () => {
    expect(saslAuthFailure(sasl, new Error('Connection timeout'))).toBeUndefined();
    expect(saslAuthFailure(sasl, 'not an error')).toBeUndefined();
    expect(saslAuthFailure(loadConfig({}), refused)).toBeUndefined();
  });
});
