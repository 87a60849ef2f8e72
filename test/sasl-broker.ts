// A throwaway Kafka broker with a SASL_SSL listener (SCRAM-SHA-512) for the security tests: a CA
// and a broker certificate made with openssl and keytool, SCRAM users created at format time,
// and the project's own way of running Kafka (jars, java, log4j, detached process). Never the
// shared broker: its own ports, data and logs in a temp folder that `stop` removes.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterId } from '../cli/services/kafka-broker.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { portInUse, waitUntilHealthy } from '../cli/services/health.ts';
import { javaArgs, kafkaLogTail } from '../cli/services/kafka-broker.ts';
import { log4jProperties, propertiesText, singleNodeSettings } from '../cli/services/kafka-files.ts';
import { kafkaHealth } from '../cli/services/kafka-health.ts';
import { requireJava } from '../cli/services/java-runtime.ts';
import { servicePaths, type ServicePaths } from '../cli/services/paths.ts';
import { processAlive, runToLog, spawnDetached, stopProcess } from '../cli/services/process-control.ts';
import { tempDir } from './helpers.ts';

// Below Linux's ephemeral range (32768-60999): a port there may be any connection's local end when the broker binds.
export const SASL_SSL_PORT = 29092;
export const SASL_CONTROLLER_PORT = 29093;
export const SASL_USER = { name: 'alice', password: 'alice-secret' };
/** The broker's own inter-broker login on the SASL_SSL listener. */
const BROKER_USER = { name: 'broker', password: 'broker-secret' };
const STORE_PASSWORD = 'test-store-secret';

export interface SaslBroker {
  /** PEM of the throwaway CA that signed the broker's certificate. */
  caFile: string;
  /** Client settings for this broker (add SALESINSIGHTS_HOME / _NAMESPACE as needed). */
  env: Record<string, string>;
  logTail: () => Promise<string>;
  /** Kills the broker and removes its folder; safe to call when start failed half-way. */
  stop: () => Promise<void>;
}

function tool(command: string, home: string): string {
  const inJdk = join(home, 'bin', command);
  if (existsSync(inJdk)) return inJdk;
  try {
    return execFileSync('which', [command], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`the SASL_SSL test needs ${command} (${command === 'keytool' ? 'part of the JDK' : 'Debian package openssl'}), and it is not installed`);
  }
}

function run(command: string, args: string[], cwd: string): void {
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`${command} ${args[0]} failed: ${stderr.trim() || String(err)}`);
  }
}

/** CA (openssl), broker key pair and keystore (keytool), certificate signed by the CA for IP 127.0.0.1. */
function makeCertificates(dir: string, javaHome: string): { caFile: string; keystore: string; truststore: string } {
  const openssl = tool('openssl', javaHome);
  const keytool = tool('keytool', javaHome);
  const store = ['-storetype', 'PKCS12', '-storepass', STORE_PASSWORD];
  run(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=salesinsights-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem'], dir);
  run(keytool, ['-genkeypair', '-keystore', 'broker.p12', ...store, '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '2', '-dname', 'CN=127.0.0.1', '-ext', 'SAN=IP:127.0.0.1'], dir);
  run(keytool, ['-certreq', '-keystore', 'broker.p12', ...store, '-alias', 'broker', '-ext', 'SAN=IP:127.0.0.1', '-file', 'broker.csr'], dir);
  run(openssl, ['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-copy_extensions', 'copy', '-out', 'broker.pem'], dir);
  run(keytool, ['-importcert', '-noprompt', '-keystore', 'broker.p12', ...store, '-alias', 'ca', '-file', 'ca.pem'], dir);
  run(keytool, ['-importcert', '-noprompt', '-keystore', 'broker.p12', ...store, '-alias', 'broker', '-file', 'broker.pem'], dir);
  // The broker logs in to itself over SASL_SSL (inter-broker listener), so it trusts the CA too.
  run(keytool, ['-importcert', '-noprompt', '-keystore', 'truststore.p12', ...store, '-alias', 'ca', '-file', 'ca.pem'], dir);
  return { caFile: join(dir, 'ca.pem'), keystore: join(dir, 'broker.p12'), truststore: join(dir, 'truststore.p12') };
}

function scramLogin(user: { name: string; password: string }): string {
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user.name}" password="${user.password}";`;
}

function serverProperties(paths: ServicePaths, keystore: string, truststore: string): string {
  return propertiesText({
    ...singleNodeSettings(SASL_SSL_PORT, SASL_CONTROLLER_PORT, paths.kafka.dataDir),
    listeners: `SASL_SSL://127.0.0.1:${SASL_SSL_PORT},CONTROLLER://127.0.0.1:${SASL_CONTROLLER_PORT}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${SASL_SSL_PORT}`,
    'inter.broker.listener.name': 'SASL_SSL',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scramLogin(BROKER_USER),
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': keystore,
    'ssl.keystore.password': STORE_PASSWORD,
    'ssl.truststore.type': 'PKCS12',
    'ssl.truststore.location': truststore,
    'ssl.truststore.password': STORE_PASSWORD,
  });
}

/**
 * Starts the broker and waits until user alice can list its topics over SASL_SSL.
 * `sharedCacheDir` is where `services up` resolved the Kafka jars.
 */
export async function startSaslBroker(sharedCacheDir: string): Promise<SaslBroker> {
  for (const port of [SASL_SSL_PORT, SASL_CONTROLLER_PORT]) {
    // a leftover broker of a killed run would answer in place of ours
    if (await portInUse('127.0.0.1', port)) throw new Error(`port 127.0.0.1:${port} is taken; the SASL_SSL test broker needs it`);
  }
  const dir = tempDir('sasl-broker');
  const shared = servicePaths(sharedCacheDir);
  const own = servicePaths(dir);
  // Our own config, data, logs and pid file; only the jars are the shared cache's.
  const paths: ServicePaths = { ...own, kafka: { ...own.kafka, home: dir, libs: shared.kafka.libs } };
  let pid: number | undefined;
  const stop = async () => {
    if (pid !== undefined) await stopProcess(pid, paths.kafka.serverProperties, 10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const java = requireJava('kafka', 17);
    const { caFile, keystore, truststore } = makeCertificates(dir, java.home);
    await mkdir(paths.kafka.dataDir, { recursive: true });
    await writeFile(paths.kafka.serverProperties, serverProperties(paths, keystore, truststore));
    await writeFile(paths.kafka.log4jConfig, log4jProperties(paths));
    const scram = [SASL_USER, BROKER_USER].flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`]);
    const format = [...javaArgs(paths, '-Xmx256m'), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', paths.kafka.serverProperties, ...scram];
    const code = await runToLog(java.command, format, dir, paths.kafka.stdoutLog);
    if (code !== 0) throw new Error(`formatting the SASL broker's storage failed (exit ${code}):\n${await kafkaLogTail(paths)}`);
    pid = await spawnDetached({
      command: java.command,
      args: [...javaArgs(paths, '-Xmx512m'), 'kafka.Kafka', paths.kafka.serverProperties],
      cwd: dir,
      logFile: paths.kafka.stdoutLog,
      pidFile: paths.kafka.pidFile,
    });
    const env = {
      KAFKA_BROKERS: `127.0.0.1:${SASL_SSL_PORT}`,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: SASL_USER.name,
      KAFKA_SASL_PASSWORD: SASL_USER.password,
    };
    const started = pid;
    await waitUntilHealthy({
      service: 'kafka',
      check: () => kafkaHealth(saslConfig(env)),
      timeoutMs: 90_000,
      alive: () => processAlive(started, paths.kafka.serverProperties),
      tail: () => kafkaLogTail(paths),
    });
    return { caFile, env, logTail: () => kafkaLogTail(paths), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A client config for the SASL broker (the process environment's other settings kept). */
export function saslConfig(env: Record<string, string>): Config {
  return loadConfig({ ...process.env, ...env });
}
