// Apache Kafka 4.x in KRaft mode (one node, broker and controller together), from its
// Maven Central jars, run with the machine's Java. Besides the plain listener it opens a SASL_SSL
// listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 for the user `floe`) and an mTLS listener (SSL
// with a client certificate), with certificates this script makes (lib/tls.mjs).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../lib/config.mjs';
import { mavenCopyDependencies } from '../lib/maven.mjs';
import { isAlive, portOpen, readPid, run, startDetached, stopPid, tcpExchange } from '../lib/proc.mjs';
import { ensureDebianPackages, has } from '../lib/system.mjs';
import { ensureStackTls } from '../lib/tls.mjs';

/** The SASL user of the secured listener (its password is the stack's `kafkaPassword`). */
export const KAFKA_SASL_USER = 'floe';
const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

export function kafka(ctx) {
  const { paths, ports, secrets } = ctx;
  const home = join(paths.cacheDir, `kafka-${KAFKA_VERSION}`);
  const lib = join(home, 'lib');
  const configDir = join(paths.stackDir, 'kafka');
  const dataDir = join(paths.dataDir, 'kafka');
  const pidFile = join(paths.runDir, 'kafka.pid');
  const logFile = join(paths.logDir, 'kafka.log');
  const classpath = `${lib}/*`;
  const tlsDir = join(configDir, 'tls');
  // Written once the SCRAM users exist, with a digest of their password: a data folder formatted
  // before the secured listener was added, or whose password changed (secrets.json made anew), gets
  // them through the running broker instead (see afterReady).
  const scramMarker = join(dataDir, 'floe-scram-users');
  const scramDigest = `${KAFKA_SASL_USER} ${createHash('sha256').update(secrets.kafkaPassword).digest('hex')}\n`;
  const scramCurrent = () => existsSync(scramMarker) && readFileSync(scramMarker, 'utf8') === scramDigest;
  const scramCredentials = SCRAM_MECHANISMS.map((m) => `${m}=[password=${secrets.kafkaPassword}]`);

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
          { package: 'openssl', present: has('openssl') },
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
      const tls = ensureStackTls(tlsDir);
      writeFileSync(properties, serverProperties({ ports, dataDir, tls, password: secrets.kafkaPassword }), {
        mode: 0o600,
      });
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
          ...scramCredentials.flatMap((c) => ['--add-scram', c.replace('=[', `=[name=${KAFKA_SASL_USER},`)]),
        ]);
        writeFileSync(scramMarker, scramDigest);
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
    async afterReady(say) {
      // A broker started by an older stack script has no secured listeners: say how to get them.
      if (!(await portOpen(ports.kafkaSasl)) || !(await portOpen(ports.kafkaMtls)))
        say(
          `the SASL_SSL (${ports.kafkaSasl}) and mTLS (${ports.kafkaMtls}) listeners are not open: restart Kafka (npm run stack -- down kafka, then up) to open them`,
        );
      else if (!scramCurrent()) {
        say(
          `setting the SCRAM credentials of ${KAFKA_SASL_USER} (a data folder formatted without them, or a new password)`,
        );
        // One mechanism per call: the tool refuses to alter one user's credentials twice in a request.
        for (const credential of scramCredentials) {
          try {
            run('java', [
              '-cp',
              classpath,
              'kafka.admin.ConfigCommand',
              '--bootstrap-server',
              `127.0.0.1:${ports.kafka}`,
              '--alter',
              '--entity-type',
              'users',
              '--entity-name',
              KAFKA_SASL_USER,
              '--add-config',
              credential,
            ]);
          } catch (error) {
            throw new Error(error.message.replaceAll(secrets.kafkaPassword, '<password>'));
          }
        }
        writeFileSync(scramMarker, scramDigest);
      }
    },
    stop: () => stopPid(pidFile, 30_000),
    env: () => {
      const tls = ensureStackTls(tlsDir);
      return {
        FLOE_KAFKA_BROKERS: `127.0.0.1:${ports.kafka}`,
        FLOE_KAFKA_SASL_BROKERS: `127.0.0.1:${ports.kafkaSasl}`,
        FLOE_KAFKA_MTLS_BROKERS: `127.0.0.1:${ports.kafkaMtls}`,
        FLOE_KAFKA_SASL_USERNAME: KAFKA_SASL_USER,
        FLOE_KAFKA_SASL_PASSWORD: secrets.kafkaPassword,
        FLOE_KAFKA_TLS_DIR: tlsDir,
        FLOE_KAFKA_CA_FILE: tls.ca,
        FLOE_KAFKA_CLIENT_CERT_FILE: tls.clientCert,
        FLOE_KAFKA_CLIENT_KEY_FILE: tls.clientKey,
      };
    },
    hint: 'another Kafka may use the ports (set FLOE_KAFKA_PORT / FLOE_KAFKA_CONTROLLER_PORT / FLOE_KAFKA_SASL_PORT / FLOE_KAFKA_MTLS_PORT), or Java or openssl is missing',
  };
}

function serverProperties({ ports, dataDir, tls, password }) {
  const jaas = (module, options = '') => `org.apache.kafka.common.security.${module} required${options};`;
  return `# Written by infra/local/services/kafka.mjs on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${ports.kafkaController}
listeners=PLAINTEXT://127.0.0.1:${ports.kafka},CONTROLLER://127.0.0.1:${ports.kafkaController},SASL_SSL://127.0.0.1:${ports.kafkaSasl},MTLS://127.0.0.1:${ports.kafkaMtls}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports.kafka},SASL_SSL://127.0.0.1:${ports.kafkaSasl},MTLS://127.0.0.1:${ports.kafkaMtls}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL
ssl.keystore.type=PEM
ssl.keystore.location=${tls.broker}
ssl.truststore.type=PEM
ssl.truststore.location=${tls.ca}
listener.name.mtls.ssl.client.auth=required
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,${SCRAM_MECHANISMS.join(',')}
listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${KAFKA_SASL_USER}="${password}"`)}
${SCRAM_MECHANISMS.map((m) => `listener.name.sasl_ssl.${m.toLowerCase()}.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`).join('\n')}
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
