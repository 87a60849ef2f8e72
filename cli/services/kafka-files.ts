// The files the local Kafka broker runs from: the Maven pom of its jars, server.properties
// (single KRaft broker+controller on 127.0.0.1) and the log4j2 configuration.
import { LOCAL_CONTROLLER_PORT, LOCAL_KAFKA_PORT } from '../../core/config.ts';
import { KAFKA_VERSION, type ServicePaths } from './paths.ts';

const LOG4J_VERSION = '2.24.3';

/** kafka_2.13 brings slf4j-api 1.7 but no logging backend: add log4j2 and its SLF4J 1.x binding. */
export function kafkaPom(): string {
  const dep = (groupId: string, artifactId: string, version: string) =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.salesinsights</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', 'kafka_2.13', KAFKA_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-api', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION)}
  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <groupId>org.apache.maven.plugins</groupId>
          <artifactId>maven-dependency-plugin</artifactId>
          <version>3.8.1</version>
        </plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
`;
}

/**
 * One KRaft broker+controller on 127.0.0.1: clients on `port` (PLAINTEXT), the quorum on
 * `controllerPort`; internal topics with one replica. A listener of another kind overrides
 * listeners, advertised.listeners, inter.broker.listener.name and the protocol map.
 */
export function singleNodeSettings(port: number, controllerPort: number, dataDir: string): Record<string, string | number> {
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': 4,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': 'true',
  };
}

/** `key=value` lines of a Java properties file. */
export function propertiesText(settings: Record<string, string | number>): string {
  return `${Object.entries(settings).map(([key, value]) => `${key}=${value}`).join('\n')}\n`;
}

export function serverProperties(paths: ServicePaths): string {
  const settings = singleNodeSettings(LOCAL_KAFKA_PORT, LOCAL_CONTROLLER_PORT, paths.kafka.dataDir);
  return `# Written by salesinsights services up; rewritten at each start.\n${propertiesText(settings)}`;
}

export function log4jProperties(paths: ServicePaths): string {
  const file = paths.kafka.serverLog;
  return `# Written by salesinsights services up.
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${file}
appender.file.filePattern = ${file}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
`;
}
