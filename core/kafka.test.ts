import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type LogFormat, type LogLevel } from './config.ts';
import { ConfigError } from './settings.ts';
import { kafkaLogCreator, kafkaLogLevel, kafkaSecurityOptions, REJOIN_EPISODE_MS, saslAuthFailure } from './kafka.ts';
import { createLogger } from './logger.ts';
import { tempDir } from '../test/helpers.ts';

describe('kafkaSecurityOptions', () => {
  it('plain TCP, and TLS with the built-in CAs', () => {
    expect(kafkaSecurityOptions(loadConfig({}))).toEqual({ ssl: false });
    expect(kafkaSecurityOptions(loadConfig({ KAFKA_SSL: 'true' }))).toEqual({ ssl: true });
  });

  it('passes the CA file to TLS and the SASL credentials through', () => {
    const ca = join(tempDir('kafka-tls'), 'ca.pem');
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

/** A logger writing into an array of lines, as the process's logger writes to stderr. */
function capture(level: LogLevel, format: LogFormat = 'json') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { log: createLogger({ level, format, colour: false, destination }), lines };
}

/** A kafkajs client whose logger goes through ours; kafka.logger() is the logger its parts use. */
function kafkaWith(level: LogLevel, format: LogFormat = 'json') {
  const { log, lines } = capture(level, format);
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logCreator: kafkaLogCreator(log), logLevel: logLevel.DEBUG });
  return { kafka, log, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const PINO = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;

describe('kafkaLogCreator', () => {
  it('demotes the failures kafkajs retries by itself to debug, whatever level kafkajs gives them', () => {
    const { kafka, entries } = kafkaWith('debug');
    const root = kafka.logger();
    const connection = root.namespace('Connection');
    connection.error('Response ListOffsets(key: 2, version: 4)', { broker: 'localhost:19092', error: 'This server is not the leader for that topic-partition', correlationId: 7 });
    connection.error('Response Metadata(key: 3, version: 6)', { error: 'There is no leader for this topic-partition as we are in the middle of a leadership election' });
    connection.error('Connection error: connect ECONNREFUSED 127.0.0.1:19092', { broker: '127.0.0.1:19092', stack: 'Error: connect ECONNREFUSED\n    at x' });
    root.namespace('Producer').error('Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing', { retryCount: 1 });
    root.namespace('Runner').error('Error when calling eachBatch', { error: Object.assign(new Error("The coordinator is loading and hence can't process requests for this group"), { retriable: true }) });
    root.namespace('BrokerPool').error('Failed to connect to seed broker, trying another broker from the list: Connection timeout', { retryCount: 0 });
    const got = entries();
    expect(got).toHaveLength(6);
    for (const e of got) {
      expect(e.level, String(e.msg)).toBe(PINO.debug);
      expect(e.logger).toBe('kafkajs');
    }
    expect(got[0]).toMatchObject({ namespace: 'Connection', msg: 'Response ListOffsets(key: 2, version: 4)', broker: 'localhost:19092', error: 'This server is not the leader for that topic-partition', correlationId: 7 });
    expect(got[0]).not.toHaveProperty('timestamp');
    // An Error in the entry is serialized by pino under err.
    expect(got[4]).toMatchObject({ err: { type: 'Error', message: "The coordinator is loading and hence can't process requests for this group", retriable: true } });
  });

  it("a consumer's crash that kafkajs restarts by itself is one warning; other crashes stay errors", () => {
    const { kafka, entries } = kafkaWith('debug');
    const consumer = kafka.logger().namespace('Consumer');
    consumer.error('Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:19092', { groupId: 'g', retryCount: 15 });
    consumer.error('Restarting the consumer in 1000ms', { groupId: 'g', retryTime: 1000 });
    consumer.error('Crash: KafkaJSProtocolError: This server is not the leader for that topic-partition', { groupId: 'g' });
    consumer.error('Crash: KafkaJSNonRetriableError: Topic authorization failed', { groupId: 'g' });
    expect(entries().map((e) => [e.level, e.msg])).toEqual([
      [PINO.warn, 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:19092'],
      [PINO.debug, 'Restarting the consumer in 1000ms'],
      [PINO.warn, 'Crash: KafkaJSProtocolError: This server is not the leader for that topic-partition'],
      [PINO.error, 'Crash: KafkaJSNonRetriableError: Topic authorization failed'],
    ]);
  });

  it('a re-join episode (the process stopped past its session: SIGSTOP, SIGCONT) is one warning, its other entries debug', () => {
    let clock = 1_000_000;
    const { log, lines } = capture('debug');
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logCreator: kafkaLogCreator(log, () => clock), logLevel: logLevel.DEBUG });
    const root = kafka.logger();
    const connection = root.namespace('Connection');
    const runner = root.namespace('Runner');
    // What kafkajs logged after a SIGCONT of start (20 s stopped, 10 s session timeout).
    const episode = () => {
      for (let i = 0; i < 8; i++) connection.error('Response Heartbeat(key: 12, version: 3)', { error: 'The coordinator is not aware of this member', correlationId: 55 + i });
      connection.error('Response OffsetCommit(key: 8, version: 5)', { error: 'The coordinator is not aware of this member' });
      runner.error('The coordinator is not aware of this member, re-joining the group', { groupId: 'g', error: 'The coordinator is not aware of this member' });
      connection.error('Response JoinGroup(key: 11, version: 5)', { error: 'The group is rebalancing, so a rejoin is needed' });
      runner.warn('The group is rebalancing, re-joining', { groupId: 'g', error: 'The group is rebalancing, so a rejoin is needed' });
      runner.error('Error when calling eachBatch', { error: Object.assign(new Error('Specified group generation id is not valid'), { type: 'ILLEGAL_GENERATION' }) });
      clock += 1_000;
    };
    const levels = () => lines.map((l) => (JSON.parse(l) as { level: number }).level);
    episode();
    expect(levels().filter((l) => l === PINO.warn)).toHaveLength(1);
    expect(levels().filter((l) => l >= PINO.error)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: PINO.warn, msg: 'Response Heartbeat(key: 12, version: 3)', error: 'The coordinator is not aware of this member' });
    // Still the same episode a few seconds on; a new one after a quiet minute warns again.
    episode();
    clock += REJOIN_EPISODE_MS;
    episode();
    expect(levels().filter((l) => l === PINO.warn)).toHaveLength(2);
    expect(levels().filter((l) => l >= PINO.error)).toEqual([]);
    // At info, one line for the whole episode.
    const quiet = capture('info');
    const info = new Kafka({ brokers: ['127.0.0.1:1'], logCreator: kafkaLogCreator(quiet.log, () => clock), logLevel: kafkaLogLevel('info') }).logger().namespace('Connection');
    for (let i = 0; i < 20; i++) info.error('Response Heartbeat(key: 12, version: 3)', { error: 'The coordinator is not aware of this member' });
    expect(quiet.lines).toHaveLength(1);
  });

  it('keeps every other entry at its level: errors, warnings, a non-retriable error', () => {
    const { kafka, entries } = kafkaWith('debug');
    const root = kafka.logger();
    root.namespace('Consumer').error('Failed to execute listener: boom', { eventName: 'consumer.crash' });
    root.namespace('Runner').error('Error when calling eachBatch', { error: Object.assign(new Error('bad record'), { retriable: false }) });
    root.namespace('Admin').warn('Could not delete topics', { error: 'Topic authorization failed' });
    expect(entries().map((e) => [e.level, e.msg])).toEqual([
      [PINO.error, 'Failed to execute listener: boom'],
      [PINO.error, 'Error when calling eachBatch'],
      [PINO.warn, 'Could not delete topics'],
    ]);
  });

  it("puts kafkajs' info at debug and its debug at trace, and deliberate choices' warnings at debug", () => {
    const { kafka, entries } = kafkaWith('trace');
    const root = kafka.logger();
    root.namespace('Consumer').info('Starting', { groupId: 'g' });
    root.namespace('Connection').debug('Request Metadata(key: 3, version: 6)', { correlationId: 1 });
    root.warn('KafkaJS v2.0.0 switched default partitioner. To retain the same partitioning behavior …');
    root.namespace('Producer').warn('Limiting retries for the idempotent producer may invalidate EoS guarantees');
    expect(entries().map((e) => e.level)).toEqual([PINO.debug, PINO.trace, PINO.debug, PINO.debug]);
  });

  it('at info, the retriable chatter and the lifecycle entries are not written at all', () => {
    const { kafka, lines } = kafkaWith('info');
    const root = kafka.logger();
    root.namespace('Connection').error('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
    root.namespace('Consumer').info('Starting', { groupId: 'g' });
    root.namespace('Consumer').error('Crash: KafkaJSNonRetriableError: boom', { groupId: 'g' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: PINO.error, logger: 'kafkajs', namespace: 'Consumer', groupId: 'g' });
  });

  it("a real client's connection failure is debug chatter, not an error line", async () => {
    const { log, lines } = capture('debug');
    const admin = new Kafka({ brokers: ['127.0.0.1:1'], logCreator: kafkaLogCreator(log), logLevel: kafkaLogLevel('debug'), retry: { retries: 0 }, connectionTimeout: 500 }).admin();
    await expect(admin.connect()).rejects.toThrow();
    const got = lines.map((l) => JSON.parse(l) as { level: number; msg: string; logger: string });
    expect(got.some((e) => /ECONNREFUSED/.test(e.msg)), lines.join('\n')).toBe(true);
    for (const e of got) expect(e, lines.join('\n')).toMatchObject({ level: PINO.debug, logger: 'kafkajs' });
  });

  it("writes kafkajs' lines in the project's own format: one pretty line like any other", async () => {
    const { kafka, log, lines } = kafkaWith('info', 'pretty');
    log.warn({ file: 'a.csv' }, 'file moved aside');
    kafka.logger().namespace('Consumer').error('Crash: KafkaJSNonRetriableError: boom', { groupId: 'g', stack: 'Error: boom\n    at x' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: file moved aside \{"file":"a\.csv"\}$/);
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] ERROR: kafkajs Consumer: Crash: KafkaJSNonRetriableError: boom \{"groupId":"g"\}$/);
  });
});

describe('kafkaLogLevel', () => {
  it("builds in kafkajs only what pino writes", () => {
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map(kafkaLogLevel)).toEqual([
      logLevel.DEBUG, logLevel.INFO, logLevel.WARN, logLevel.WARN, logLevel.ERROR, logLevel.ERROR, logLevel.NOTHING,
    ]);
  });
});
