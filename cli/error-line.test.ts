import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { describeError, errorLine } from './error-line.ts';

const local = loadConfig({});
const external = loadConfig({ KAFKA_BROKERS: 'k1:9092', SCHEMA_REGISTRY_URL: 'http://reg:8081' });
const named = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name }, extra);

describe('describeError', () => {
  it("joins an error's message with its causes', on one line", () => {
    expect(describeError(new Error('ledger read failed', { cause: new Error('broker\ngone') }))).toBe('ledger read failed: broker gone');
  });

  it('drops a cause that repeats its error, and takes one that repeats and adds to it', () => {
    const inner = new Error("Code: 60. DB::Exception: Unknown table expression identifier 'x'. (UNKNOWN_TABLE)");
    expect(describeError(new Error("Unknown table expression identifier 'x'. ", { cause: inner }))).toBe(inner.message);
    expect(describeError(new Error('a: b', { cause: new Error('b') }))).toBe('a: b');
  });

  it("cuts ClickHouse's list of the tokens a syntax error expected to its first five", () => {
    const tokens = Array.from({ length: 60 }, (_, i) => `TOKEN ${i}`).join(', ');
    expect(describeError(new Error(`Code: 62. DB::Exception: Syntax error: failed at position 1 (SELEC): SELEC 1. Expected one of: ${tokens}. (SYNTAX_ERROR)`))).toBe(
      'Code: 62. DB::Exception: Syntax error: failed at position 1 (SELEC): SELEC 1. Expected one of: TOKEN 0, TOKEN 1, TOKEN 2, TOKEN 3, TOKEN 4, …. (SYNTAX_ERROR)',
    );
  });

  it("says an AggregateError's attempts, and cuts what would not fit on a line", () => {
    const refused = (port: number) => Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), { code: 'ECONNREFUSED', port });
    expect(describeError(new AggregateError([refused(1), refused(2)], ''))).toBe('connect ECONNREFUSED 127.0.0.1:1; connect ECONNREFUSED 127.0.0.1:2');
    expect(describeError(new Error('x'.repeat(5000))).length).toBe(600);
  });
});

describe('errorLine', () => {
  it('names the command, once', () => {
    expect(errorLine('split', new Error("ENOENT: no such file or directory, open 'a.csv'"))).toBe("error: split: ENOENT: no such file or directory, open 'a.csv'");
    expect(errorLine('sql', new Error('sql refused the statement DROP: it runs one read-only statement'))).toBe('error: sql refused the statement DROP: it runs one read-only statement');
  });

  it('Kafka away: services up for the local broker, KAFKA_BROKERS for a given one', () => {
    const err = named('KafkaJSNumberOfRetriesExceeded', 'Connection error: connect ECONNREFUSED 127.0.0.1:19092');
    expect(errorLine('backfill', err, local)).toBe(
      'error: backfill: Connection error: connect ECONNREFUSED 127.0.0.1:19092; is Kafka up? start it with `npx salesinsights services up`, or check KAFKA_BROKERS',
    );
    expect(errorLine('backfill', named('KafkaJSConnectionError', 'Connection timeout'), external)).toMatch(/; check KAFKA_BROKERS \(k1:9092\)$/);
  });

  it('the registry away: services up, or SCHEMA_REGISTRY_URL', () => {
    const err = (port: number) => new Error('registry request failed', { cause: Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), { code: 'ECONNREFUSED', port }) });
    expect(errorLine('start', err(18081), local)).toMatch(/; is the schema registry up\? start it with `npx salesinsights services up`$/);
    expect(errorLine('start', err(8081), external)).toMatch(/; check SCHEMA_REGISTRY_URL \(http:\/\/reg:8081\)$/);
  });

  it('the embedded store held by another process; the dashboard port taken', () => {
    const locked = named('ChdbConnectionError', "Failed to create connection for path '/h/clickhouse'", { code: 'CHDB_CONNECTION' });
    expect(errorLine('backfill', locked, local)).toBe(
      "error: backfill: Failed to create connection for path '/h/clickhouse'; another salesinsights process holds the embedded store; stop it or use its query endpoint",
    );
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000'), { code: 'EADDRINUSE', port: 3000 });
    expect(errorLine('start', inUse, local)).toBe(
      'error: start: listen EADDRINUSE: address already in use 127.0.0.1:3000; something else listens on 3000; stop it, or choose another port with --port or SALESINSIGHTS_PORT',
    );
  });

  it('no hint where none is known', () => {
    expect(errorLine('generate', new Error('disk full'), local)).toBe('error: generate: disk full');
  });
});
