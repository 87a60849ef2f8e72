// Where the services manager keeps jars, data, logs and pid files: all under config.cacheDir.
import { join } from 'node:path';

export const KAFKA_VERSION = '4.1.1';
export const APICURIO_VERSION = '3.3.3';

export interface ServicePaths {
  runDir: string;
  logsDir: string;
  mavenLog: string;
  kafka: {
    home: string;
    libs: string;
    libsMarker: string;
    pom: string;
    serverProperties: string;
    log4jConfig: string;
    dataDir: string;
    formattedMarker: string;
    pidFile: string;
    serverLog: string;
    stdoutLog: string;
  };
  registry: {
    home: string;
    pidFile: string;
    stdoutLog: string;
  };
}

export function servicePaths(cacheDir: string): ServicePaths {
  const runDir = join(cacheDir, 'run');
  const logsDir = join(cacheDir, 'logs');
  const kafkaHome = join(cacheDir, `kafka-${KAFKA_VERSION}`);
  const libs = join(kafkaHome, 'libs');
  return {
    runDir,
    logsDir,
    mavenLog: join(logsDir, 'maven.log'),
    kafka: {
      home: kafkaHome,
      libs,
      libsMarker: join(libs, '.resolved'),
      pom: join(kafkaHome, 'pom.xml'),
      serverProperties: join(kafkaHome, 'server.properties'),
      log4jConfig: join(kafkaHome, 'log4j2.properties'),
      dataDir: join(kafkaHome, 'data'),
      formattedMarker: join(kafkaHome, 'storage-formatted'),
      pidFile: join(runDir, 'kafka.pid'),
      serverLog: join(logsDir, 'kafka-server.log'),
      stdoutLog: join(logsDir, 'kafka.out'),
    },
    registry: {
      home: join(cacheDir, `apicurio-${APICURIO_VERSION}`),
      pidFile: join(runDir, 'schema-registry.pid'),
      stdoutLog: join(logsDir, 'schema-registry.log'),
    },
  };
}
