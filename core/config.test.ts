import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, LOCAL_KAFKA_PORT, logFormat, withDashboardHost } from './config.ts';
import { ConfigError } from './settings.ts';
import { isLoopbackHost } from './exposure.ts';
import { topics } from './topics.ts';
import { tempDir } from '../test/helpers.ts';

/** The ConfigError loadConfig throws for env (fails the test if it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('works with an empty environment and starts local services', () => {
    const c = loadConfig({});
    expect(c.namespace).toBe('salesinsights');
    expect(c.home).toBe(resolve('.salesinsights'));
    expect(c.kafkaBrokers).toEqual([`127.0.0.1:${LOCAL_KAFKA_PORT}`]);
    expect(c.localServices).toEqual({ kafka: true, registry: true });
    expect(c.clickhouseUrl).toBeUndefined();
    expect(c.kafka).toEqual({ ssl: false, sslRejectUnauthorized: true });
    expect(c.dashboard).toMatchObject({ host: '127.0.0.1', port: 3000 });
    expect(c.ingest.fileQuietMs).toBe(2000);
    expect(loadConfig({ SALESINSIGHTS_FILE_QUIET_MS: '250' }).ingest.fileQuietMs).toBe(250);
  });

  it('reads what is given', () => {
    const c = loadConfig({
      SALESINSIGHTS_HOME: '/tmp/si-home',
      SALESINSIGHTS_NAMESPACE: 'run_42',
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/',
      CLICKHOUSE_URL: 'https://ch.example:8443/',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: 'secret',
      SALESINSIGHTS_PORT: '8080',
    });
    expect(c.home).toBe('/tmp/si-home');
    expect(c.namespace).toBe('run_42');
    expect(c.kafkaBrokers).toEqual(['k1:9092', 'k2:9093']);
    expect(c.schemaRegistryUrl).toBe('http://registry:8081');
    expect(c.clickhouseUrl).toBe('https://ch.example:8443');
    expect(c.localServices).toEqual({ kafka: false, registry: false });
    expect(c.kafka).toEqual({ ssl: true, sslRejectUnauthorized: true, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'secret' } });
    expect(c.dashboard.port).toBe(8080);
  });

  it('blank values count as unset', () => {
    const c = loadConfig({ SALESINSIGHTS_NAMESPACE: '  ', KAFKA_BROKERS: '', CLICKHOUSE_URL: ' ' });
    expect(c.namespace).toBe('salesinsights');
    expect(c.localServices.kafka).toBe(true);
    expect(c.clickhouseUrl).toBeUndefined();
  });

  it('topics are prefixed by the namespace', () => {
    expect(topics('ns1')).toEqual({
      events: 'ns1.events',
      rejected: 'ns1.events-rejected',
      late: 'ns1.events-late',
      salesPerProduct: 'ns1.sales-per-product',
      sessions: 'ns1.sessions',
    });
  });
});

describe('SALESINSIGHTS_SESSION_GAP', () => {
  it('is 30 minutes unless set, and takes a duration with its unit', () => {
    expect(loadConfig({}).sessionGapMs).toBe(1_800_000);
    expect(loadConfig({ SALESINSIGHTS_SESSION_GAP: '45m' }).sessionGapMs).toBe(2_700_000);
    expect(loadConfig({ SALESINSIGHTS_SESSION_GAP: '90s' }).sessionGapMs).toBe(90_000);
    expect(loadConfig({ SALESINSIGHTS_SESSION_GAP: '2h' }).sessionGapMs).toBe(7_200_000);
    expect(loadConfig({ SALESINSIGHTS_SESSION_GAP: '1500ms' }).sessionGapMs).toBe(1_500);
  });

  it.each(['30', '30 m', '0m', '-5m', '1.5h', '25h', '999ms', 'half an hour'])('refuses %j, saying how to write it', (v) => {
    const e = configError({ SALESINSIGHTS_SESSION_GAP: v });
    expect(e.setting).toBe('SALESINSIGHTS_SESSION_GAP');
    expect(e.message).toMatch(/write it with its unit, like 30m/);
  });
});

describe('SALESINSIGHTS_PARTITIONS and SALESINSIGHTS_INSTANCE_ID', () => {
  it('partitions: 4 unless set, an integer 1 .. 256', () => {
    expect(loadConfig({}).partitions).toBe(4);
    expect(loadConfig({ SALESINSIGHTS_PARTITIONS: '1' }).partitions).toBe(1);
    expect(loadConfig({ SALESINSIGHTS_PARTITIONS: '256' }).partitions).toBe(256);
  });

  it.each(['0', '257', '-4', '4.5', 'four'])('refuses partitions %j in one line naming the setting', (v) => {
    const e = configError({ SALESINSIGHTS_PARTITIONS: v });
    expect(e.setting).toBe('SALESINSIGHTS_PARTITIONS');
    expect(e.message).toBe(`SALESINSIGHTS_PARTITIONS: "${v}" is not valid; expected an integer number of partitions 1-256`);
  });

  it('instance id: unset unless given (derived where the inbox is known); letters, digits, . _ -', () => {
    expect(loadConfig({}).instanceId).toBeUndefined();
    expect(loadConfig({ SALESINSIGHTS_INSTANCE_ID: 'shop-eu.2_a' }).instanceId).toBe('shop-eu.2_a');
    expect(loadConfig({ SALESINSIGHTS_INSTANCE_ID: 'x'.repeat(64) }).instanceId).toHaveLength(64);
  });

  it.each(['a:b', 'two words', '-lead', '.hidden', 'x'.repeat(65), 'ünï'])('refuses instance id %j', (v) => {
    const e = configError({ SALESINSIGHTS_INSTANCE_ID: v });
    expect(e.setting).toBe('SALESINSIGHTS_INSTANCE_ID');
    expect(e.message).toMatch(/^SALESINSIGHTS_INSTANCE_ID: ".*" must start with a letter or digit/);
  });
});

describe('bad configuration fails fast with a ConfigError naming the setting', () => {
  it.each(['Sales', '1abc', 'sales-insights', 'sales.insights', '_x', 'a'.repeat(64), 'ns with space'])('namespace %j', (ns) => {
    const e = configError({ SALESINSIGHTS_NAMESPACE: ns });
    expect(e.setting).toBe('SALESINSIGHTS_NAMESPACE');
    expect(e.message).toContain('SALESINSIGHTS_NAMESPACE');
  });

  it('a namespace of 63 characters is fine', () => {
    expect(loadConfig({ SALESINSIGHTS_NAMESPACE: `a${'b'.repeat(62)}` }).namespace).toHaveLength(63);
  });

  it.each(['localhost', 'http://k1:9092', 'k1:9092,,k2:9092', 'k1:port', 'k1:9092;k2:9092', ':9092'])('KAFKA_BROKERS %j', (brokers) => {
    const e = configError({ KAFKA_BROKERS: brokers });
    expect(e.setting).toBe('KAFKA_BROKERS');
    expect(e.message).toMatch(/^KAFKA_BROKERS: .*host:port/);
  });

  it('KAFKA_BROKERS with a port above 65535', () => {
    expect(configError({ KAFKA_BROKERS: '127.0.0.1:99999' }).setting).toBe('KAFKA_BROKERS');
  });

  it.each(['not a url', 'ftp://ch:8123', 'localhost:8123', 'ch:8123'])('CLICKHOUSE_URL %j', (url) => {
    const e = configError({ CLICKHOUSE_URL: url });
    expect(e.setting).toBe('CLICKHOUSE_URL');
    expect(e.message).toContain('CLICKHOUSE_URL');
  });

  it('SCHEMA_REGISTRY_URL that is not http(s)', () => {
    expect(configError({ SCHEMA_REGISTRY_URL: 'registry:8081' }).setting).toBe('SCHEMA_REGISTRY_URL');
  });

  it('SASL mechanism without a username', () => {
    const e = configError({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'pw' });
    expect(e.setting).toBe('KAFKA_SASL_USERNAME');
    expect(e.message).toMatch(/KAFKA_SASL_USERNAME.*KAFKA_SASL_MECHANISM/);
  });

  it('SASL mechanism without a password', () => {
    expect(configError({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }).setting).toBe('KAFKA_SASL_PASSWORD');
  });

  it('unknown SASL mechanism', () => {
    expect(configError({ KAFKA_SASL_MECHANISM: 'kerberos', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }).setting).toBe('KAFKA_SASL_MECHANISM');
  });

  it('KAFKA_SSL not a boolean', () => {
    expect(configError({ KAFKA_SSL: 'yes' }).setting).toBe('KAFKA_SSL');
  });

  it.each(['0', '65536', 'http', '80.5'])('dashboard port %j', (p) => {
    expect(configError({ SALESINSIGHTS_PORT: p }).setting).toBe('SALESINSIGHTS_PORT');
  });

  it.each(['-1', '2s', '1.5', '3600001'])('file quiet period %j', (v) => {
    expect(configError({ SALESINSIGHTS_FILE_QUIET_MS: v }).setting).toBe('SALESINSIGHTS_FILE_QUIET_MS');
  });

  it('a dashboard token shorter than 16 characters', () => {
    expect(configError({ SALESINSIGHTS_DASHBOARD_TOKEN: 'short' }).setting).toBe('SALESINSIGHTS_DASHBOARD_TOKEN');
  });

  it('ConfigError is an Error with its name', () => {
    const e = configError({ KAFKA_SSL: 'maybe' });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ConfigError');
  });
});

describe('Kafka TLS settings', () => {
  const dir = tempDir('config-tls');
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

  it('KAFKA_SSL_CA_FILE and KAFKA_SSL_REJECT_UNAUTHORIZED are read', () => {
    const c = loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca, KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' });
    expect(c.kafka).toEqual({ ssl: true, sslCaFile: ca, sslRejectUnauthorized: false });
  });

  it('a CA file that does not exist', () => {
    const e = configError({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') });
    expect(e.setting).toBe('KAFKA_SSL_CA_FILE');
    expect(e.message).toMatch(/missing\.pem.*cannot be read \(ENOENT\)/);
  });

  it('a CA file that is a folder or holds no certificate', () => {
    expect(configError({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: dir }).message).toMatch(/^KAFKA_SSL_CA_FILE: .*is not a file/);
    const notPem = join(dir, 'key.txt');
    writeFileSync(notPem, 'not a certificate');
    expect(configError({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: notPem }).message).toMatch(/^KAFKA_SSL_CA_FILE: .*no PEM certificate/);
  });

  it('TLS options without KAFKA_SSL=true', () => {
    expect(configError({ KAFKA_SSL_CA_FILE: ca }).message).toBe('KAFKA_SSL: must be true when KAFKA_SSL_CA_FILE is set');
    expect(configError({ KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }).message).toBe('KAFKA_SSL: must be true when KAFKA_SSL_REJECT_UNAUTHORIZED is set');
  });

  it('KAFKA_SSL_REJECT_UNAUTHORIZED not a boolean', () => {
    expect(configError({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'no' }).setting).toBe('KAFKA_SSL_REJECT_UNAUTHORIZED');
  });
});

describe('the dashboard beyond loopback needs a token (or the explicit opt-in)', () => {
  const TOKEN = 'a-token-of-16-chars-or-more';

  it.each(['localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%j is loopback: no token needed', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(loadConfig({ SALESINSIGHTS_HOST: host }).dashboard).toMatchObject({ host, allowUnauthenticated: false });
  });

  it.each(['0.0.0.0', '::', '192.168.1.20', 'dashboard.example.com', '128.0.0.1'])('%j without a token is refused, naming the setting and what to set', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
    const e = configError({ SALESINSIGHTS_HOST: host });
    expect(e.setting).toBe('SALESINSIGHTS_HOST');
    expect(e.message).toMatch(/^SALESINSIGHTS_HOST: ".*" is beyond loopback and SALESINSIGHTS_DASHBOARD_TOKEN is not set; set SALESINSIGHTS_DASHBOARD_TOKEN/);
    expect(e.message).toContain('SALESINSIGHTS_ALLOW_UNAUTHENTICATED=true');
  });

  it('is allowed with a token, or with SALESINSIGHTS_ALLOW_UNAUTHENTICATED=true', () => {
    expect(loadConfig({ SALESINSIGHTS_HOST: '0.0.0.0', SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN }).dashboard).toMatchObject({ host: '0.0.0.0', token: TOKEN });
    const open = loadConfig({ SALESINSIGHTS_HOST: '0.0.0.0', SALESINSIGHTS_ALLOW_UNAUTHENTICATED: 'true' }).dashboard;
    expect(open).toMatchObject({ host: '0.0.0.0', allowUnauthenticated: true });
    expect(open.token).toBeUndefined();
    expect(configError({ SALESINSIGHTS_HOST: '0.0.0.0', SALESINSIGHTS_ALLOW_UNAUTHENTICATED: 'false' }).setting).toBe('SALESINSIGHTS_HOST');
    expect(configError({ SALESINSIGHTS_ALLOW_UNAUTHENTICATED: 'yes' }).setting).toBe('SALESINSIGHTS_ALLOW_UNAUTHENTICATED');
  });

  it('start --host goes through the same check', () => {
    const e = (() => {
      try {
        withDashboardHost(loadConfig({}), '0.0.0.0', '--host');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toMatch(/^--host: "0\.0\.0\.0" is beyond loopback and SALESINSIGHTS_DASHBOARD_TOKEN is not set/);
    expect(withDashboardHost(loadConfig({ SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN }), '0.0.0.0', '--host').dashboard.host).toBe('0.0.0.0');
    expect(withDashboardHost(loadConfig({ SALESINSIGHTS_ALLOW_UNAUTHENTICATED: 'true' }), '::', '--host').dashboard.host).toBe('::');
    expect(withDashboardHost(loadConfig({}), 'localhost', '--host').dashboard.host).toBe('localhost');
  });
});

describe('the query endpoint: SALESINSIGHTS_QUERY_HOST and SALESINSIGHTS_QUERY_PORT', () => {
  const TOKEN = 'a-token-of-16-chars-or-more';

  it('defaults to 127.0.0.1:8124; 0 is any free port', () => {
    expect(loadConfig({}).query).toEqual({ host: '127.0.0.1', port: 8124 });
    expect(loadConfig({ SALESINSIGHTS_QUERY_PORT: '0' }).query.port).toBe(0);
    expect(loadConfig({ SALESINSIGHTS_QUERY_PORT: '18124', SALESINSIGHTS_QUERY_HOST: '::1' }).query).toEqual({ host: '::1', port: 18124 });
  });

  it('refuses a bad port, and a host beyond loopback without the token or the opt-in', () => {
    for (const port of ['-1', '65536', 'x', '1.5']) expect(configError({ SALESINSIGHTS_QUERY_PORT: port }).setting).toBe('SALESINSIGHTS_QUERY_PORT');
    const e = configError({ SALESINSIGHTS_QUERY_HOST: '0.0.0.0' });
    expect(e.message).toMatch(/^SALESINSIGHTS_QUERY_HOST: "0\.0\.0\.0" is beyond loopback and SALESINSIGHTS_DASHBOARD_TOKEN is not set/);
    expect(loadConfig({ SALESINSIGHTS_QUERY_HOST: '0.0.0.0', SALESINSIGHTS_DASHBOARD_TOKEN: TOKEN }).query.host).toBe('0.0.0.0');
    expect(loadConfig({ SALESINSIGHTS_QUERY_HOST: '0.0.0.0', SALESINSIGHTS_ALLOW_UNAUTHENTICATED: 'true' }).query.host).toBe('0.0.0.0');
  });
});

describe('LOG_LEVEL', () => {
  it('takes a pino level, in any case', () => {
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(loadConfig({ LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
    expect(loadConfig({ LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
  });

  it.each(['loud', 'verbose', '10'])('%j is refused, naming LOG_LEVEL and the levels', (level) => {
    const e = configError({ LOG_LEVEL: level });
    expect(e.setting).toBe('LOG_LEVEL');
    expect(e.message).toBe(`LOG_LEVEL: "${level}" is not a level; expected one of fatal, error, warn, info, debug, trace, silent`);
  });
});

describe('LOG_FORMAT', () => {
  it('defaults to pretty in a terminal and json lines otherwise', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: ' ' }, true)).toBe('pretty');
  });

  it('takes pretty or json, in any case, whatever stderr is', () => {
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'PRETTY' }, false)).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
  });

  it.each(['text', 'yaml', 'ndjson'])('%j is refused, naming LOG_FORMAT and the formats', (format) => {
    const e = configError({ LOG_FORMAT: format });
    expect(e.setting).toBe('LOG_FORMAT');
    expect(e.message).toBe(`LOG_FORMAT: "${format}" is not a format; expected pretty or json (default: pretty in a terminal, json otherwise)`);
  });
});

describe('the query limits: SALESINSIGHTS_QUERY_*', () => {
  it('have defaults, take values in range, and refuse others naming the setting', () => {
    expect(loadConfig({}).queryLimits).toMatchObject({ maxSeconds: 300, concurrency: 4, maxMemoryBytes: 2 * 1024 ** 3 });
    expect(loadConfig({ SALESINSIGHTS_QUERY_MAX_SECONDS: '30', SALESINSIGHTS_QUERY_CONCURRENCY: '2' }).queryLimits).toMatchObject({ maxSeconds: 30, concurrency: 2 });
    expect(() => loadConfig({ SALESINSIGHTS_QUERY_MAX_SECONDS: '0' })).toThrow(/SALESINSIGHTS_QUERY_MAX_SECONDS/);
    expect(() => loadConfig({ SALESINSIGHTS_QUERY_CONCURRENCY: 'many' })).toThrow(/SALESINSIGHTS_QUERY_CONCURRENCY/);
    expect(() => loadConfig({ SALESINSIGHTS_QUERY_SPOOL_AHEAD_BYTES: '10' })).toThrow(/SALESINSIGHTS_QUERY_SPOOL_AHEAD_BYTES/);
  });
});
