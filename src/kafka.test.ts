import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { kafkaSecurityOptions } from './kafka.ts';

describe('kafkaSecurityOptions', () => {
  it('plain TCP, and TLS with the built-in CAs', () => {
    expect(kafkaSecurityOptions(loadConfig({}))).toEqual({ ssl: false });
    expect(kafkaSecurityOptions(loadConfig({ KAFKA_SSL: 'true' }))).toEqual({ ssl: true });
  });

  it('passes the CA file to TLS and the SASL credentials through', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'kafka-tls-')), 'ca.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(ca, pem);
    const options = kafkaSecurityOptions(
      loadConfig({
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: ca,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'alice',
        KAFKA_SASL_PASSWORD: 'alice-secret',
      }),
    );
    expect(options).toEqual({
      ssl: { ca: [pem], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
    });
  });

  it('KAFKA_SSL_REJECT_UNAUTHORIZED=false turns certificate checks off', () => {
    expect(kafkaSecurityOptions(loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }))).toEqual({ ssl: { rejectUnauthorized: false } });
  });
});
