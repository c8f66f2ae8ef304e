// Apache Kafka 4.x in KRaft mode (one node, broker and controller together), from its
// Maven Central jars, run with the machine's Java.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../lib/config.mjs';
import { mavenCopyDependencies } from '../lib/maven.mjs';
import { isAlive, readPid, run, startDetached, stopPid, tcpExchange } from '../lib/proc.mjs';
import { ensureDebianPackages, has } from '../lib/system.mjs';

export function kafka(ctx) {
  const { paths, ports } = ctx;
  const home = join(paths.cacheDir, `kafka-${KAFKA_VERSION}`);
  const lib = join(home, 'lib');
  const configDir = join(paths.stackDir, 'kafka');
  const dataDir = join(paths.dataDir, 'kafka');
  const pidFile = join(paths.runDir, 'kafka.pid');
  const logFile = join(paths.logDir, 'kafka.log');
  const classpath = `${lib}/*`;

  return {
    name: 'kafka',
    port: ports.kafka,
    portVariable: 'FLOE_KAFKA_PORT',
    logFile,
    provision(say) {
      ensureDebianPackages(
        [
          { package: 'openjdk-17-jre-headless', present: has('java') },
          { package: 'maven', present: has('mvn') },
        ],
        say,
      );
      mavenCopyDependencies({
        say,
        what: `Apache Kafka ${KAFKA_VERSION} jars`,
        pom: join(import.meta.dirname, '../maven/kafka-pom.xml'),
        properties: { 'kafka.version': KAFKA_VERSION },
        outputDir: lib,
        cacheDir: paths.cacheDir,
      });
    },
    running: () => isAlive(readPid(pidFile)),
    async start() {
      mkdirSync(configDir, { recursive: true });
      mkdirSync(dataDir, { recursive: true });
      const properties = join(configDir, 'server.properties');
      writeFileSync(properties, serverProperties({ ports, dataDir }));
      writeFileSync(join(configDir, 'log4j2.properties'), LOG4J2);
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        const clusterId = run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid']).trim();
        run('java', [
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '--standalone',
          '--ignore-formatted',
          '-t',
          clusterId,
          '-c',
          properties,
        ]);
      }
      startDetached({
        command: 'java',
        args: [
          '-Xms256m',
          '-Xmx768m',
          `-Dlog4j2.configurationFile=${join(configDir, 'log4j2.properties')}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          properties,
        ],
        logFile,
        pidFile,
      });
    },
    healthy: () => apiVersionsAnswered(ports.kafka),
    stop: () => stopPid(pidFile, 30_000),
    env: () => ({ FLOE_KAFKA_BROKERS: `127.0.0.1:${ports.kafka}` }),
    hint: 'another Kafka may use the ports (set FLOE_KAFKA_PORT / FLOE_KAFKA_CONTROLLER_PORT), or Java is missing',
  };
}

function serverProperties({ ports, dataDir }) {
  return `# Written by infra/local/services/kafka.mjs on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${ports.kafkaController}
listeners=PLAINTEXT://127.0.0.1:${ports.kafka},CONTROLLER://127.0.0.1:${ports.kafkaController}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports.kafka}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir}
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
`;
}

const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRefs = stdout
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
logger.server.name = kafka.server.KafkaServer
logger.server.level = INFO
`;

/** A real protocol check: the broker answers an ApiVersions (v0) request with no error. */
async function apiVersionsAnswered(port) {
  const clientId = Buffer.from('floe-stack');
  const body = Buffer.alloc(10 + clientId.length);
  body.writeInt16BE(18, 0); // ApiVersions
  body.writeInt16BE(0, 2); // version 0
  body.writeInt32BE(7, 4); // correlation id
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  try {
    const answer = await tcpExchange(port, Buffer.concat([size, body]));
    return answer.length >= 10 && answer.readInt32BE(4) === 7 && answer.readInt16BE(8) === 0;
  } catch {
    return false;
  }
}
