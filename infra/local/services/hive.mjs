// The Apache Hive standalone metastore (hive-standalone-metastore-server from Maven Central) on its
// Thrift port, its catalog in an embedded Derby database. Tables may lie in the object store: Hadoop's
// S3A filesystem (hadoop-aws and the AWS SDK modules it uses, ~14 MB more) serves s3:// locations, which
// the metastore checks and creates when a table is created; its default warehouse is on local files.
// Optional: `npm run stack -- up hive`, or FLOE_STACK_HIVE=1 to start it with the rest (npm test does).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_REGION } from '../lib/config.mjs';
import { mavenCopyDependencies } from '../lib/maven.mjs';
import { isAlive, readPid, startDetached, stopPid, tcpExchange } from '../lib/proc.mjs';
import { storeBound } from '../lib/store-bound.mjs';

const VERSION = '4.0.1';
// Hadoop 3.4's S3A signs with the AWS SDK v2, as AWS and moto verify; 3.3's SDK v1 signs its User-Agent
// header too, which moto leaves out of the signature it checks (every request is refused).
const HADOOP_VERSION = '3.4.1';
// What Hadoop 3.4.1 is built on is 2.24.6, whose s3-transfer-manager was never published: the one before.
const AWS_SDK_VERSION = '2.24.5';

/** A Thrift binary-protocol call of get_all_databases, no arguments. */
const GET_ALL_DATABASES = (() => {
  const name = Buffer.from('get_all_databases');
  const b = Buffer.alloc(4 + 4 + name.length + 4 + 1);
  b.writeUInt32BE(0x80010001, 0);
  b.writeInt32BE(name.length, 4);
  name.copy(b, 8);
  b.writeInt32BE(1, 8 + name.length);
  return b; // the final 0 byte ends the (empty) argument struct
})();

const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function hive(ctx, objectStore, env = process.env) {
  const { paths, ports } = ctx;
  const jarDir = join(paths.cacheDir, `hive-metastore-${VERSION}-hadoop-${HADOOP_VERSION}`);
  const s3aJarDir = join(paths.cacheDir, `hadoop-aws-${HADOOP_VERSION}`);
  const dataDir = join(paths.dataDir, 'hive');
  const confDir = join(paths.runDir, 'hive-conf');
  // Hive 4 keeps external tables (Iceberg's) out of the managed warehouse: two roots.
  const warehouse = join(dataDir, 'warehouse');
  const managed = join(dataDir, 'managed');
  const pidFile = join(paths.runDir, 'hive.pid');
  const logFile = join(paths.logDir, 'hive.log');
  const pid = () => readPid(pidFile);
  const bound = storeBound({ name: 'hive', runDir: paths.runDir, pidFile, objectStore });

  return {
    name: 'hive',
    port: ports.hive,
    portVariable: 'FLOE_HIVE_PORT',
    logFile,
    dependsOn: ['object-store'],
    /** Started by `up` only when named, or with FLOE_STACK_HIVE=1. */
    optional: env.FLOE_STACK_HIVE !== '1',
    provision(say) {
      mavenCopyDependencies({
        say,
        what: `the Hive standalone metastore ${VERSION} (~130 MB)`,
        pom: join(import.meta.dirname, '../maven/hive-metastore-pom.xml'),
        properties: { 'hive.version': VERSION, 'hadoop.version': HADOOP_VERSION },
        outputDir: jarDir,
        cacheDir: paths.cacheDir,
      });
      mavenCopyDependencies({
        say,
        what: `Hadoop's S3A filesystem ${HADOOP_VERSION} and the AWS SDK ${AWS_SDK_VERSION} modules it uses (~14 MB)`,
        pom: join(import.meta.dirname, '../maven/hadoop-aws-pom.xml'),
        properties: { 'hadoop.version': HADOOP_VERSION, 'aws-sdk.version': AWS_SDK_VERSION },
        outputDir: s3aJarDir,
        cacheDir: paths.cacheDir,
      });
    },
    running: bound.running,
    async start(say) {
      const { key, fresh } = await bound.prepare(say);
      if (fresh) rmSync(dataDir, { recursive: true, force: true });
      for (const dir of [warehouse, managed]) mkdirSync(dir, { recursive: true });
      mkdirSync(confDir, { recursive: true });
      const settings = {
        'metastore.thrift.bind.host': '127.0.0.1',
        'metastore.thrift.port': ports.hive,
        'javax.jdo.option.ConnectionURL': `jdbc:derby:;databaseName=${join(dataDir, 'metastore_db')};create=true`,
        'javax.jdo.option.ConnectionDriverName': 'org.apache.derby.jdbc.EmbeddedDriver',
        // The schema is made by DataNucleus on first start (no schematool step).
        'datanucleus.schema.autoCreateAll': true,
        'metastore.schema.verification': false,
        'metastore.warehouse.dir': `file://${managed}`,
        'metastore.warehouse.external.dir': `file://${warehouse}`,
        // No background compaction, statistics or event housekeeping threads: a catalog is all we need.
        'metastore.compactor.initiator.on': false,
        'metastore.housekeeping.threads.on': false,
        // s3:// locations through S3A (as every other reader writes them: no s3a:// rewriting), against
        // the stack's object store; the key goes by environment, not into this file.
        'fs.s3.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
        'fs.s3a.endpoint': objectStore.env().FLOE_S3_ENDPOINT,
        'fs.s3a.endpoint.region': AWS_REGION,
        'fs.s3a.path.style.access': true,
        'fs.s3a.connection.ssl.enabled': false,
        'fs.s3a.aws.credentials.provider':
          'software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider',
      };
      const xml = Object.entries(settings)
        .map(([k, v]) => `  <property><name>${k}</name><value>${xmlEscape(v)}</value></property>`)
        .join('\n');
      writeFileSync(join(confDir, 'metastore-site.xml'), `<configuration>\n${xml}\n</configuration>\n`);
      startDetached({
        command: env.FLOE_HIVE_JAVA ?? 'java',
        args: [
          '-Xmx384m',
          `-Dderby.system.home=${dataDir}`,
          '-cp',
          `${confDir}:${jarDir}/*:${s3aJarDir}/*`,
          'org.apache.hadoop.hive.metastore.HiveMetaStore',
        ],
        env: { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey },
        cwd: dataDir,
        logFile,
        pidFile,
      });
      bound.started(key);
    },
    /** Answers a Thrift get_all_databases call (a REPLY message). */
    async healthy() {
      try {
        const answer = await tcpExchange(ports.hive, GET_ALL_DATABASES);
        return answer.length >= 4 && answer.readUInt32BE(0) === 0x80010002;
      } catch {
        return false;
      }
    },
    stop: () => stopPid(pidFile),
    /** Its settings only while it runs: tests against the metastore run when these are there. */
    env: () =>
      isAlive(pid())
        ? { FLOE_HIVE_URI: `thrift://127.0.0.1:${ports.hive}`, FLOE_HIVE_WAREHOUSE: `file://${warehouse}` }
        : {},
    hint: 'another process may use the port (set FLOE_HIVE_PORT), or the default java is not 17+ (FLOE_HIVE_JAVA)',
  };
}
