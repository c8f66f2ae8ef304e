// The Apache Hive standalone metastore (hive-standalone-metastore-server from Maven Central) on its
// Thrift port, its catalog in an embedded Derby database and its warehouse on local files (the
// metastore would need Hadoop's S3 connector and the AWS SDK, ~300 MB more, to check s3:// locations).
// Optional: `npm run stack -- up hive`, or FLOE_STACK_HIVE=1 to start it with the rest (npm test does).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mavenCopyDependencies } from '../lib/maven.mjs';
import { isAlive, readPid, startDetached, stopPid, tcpExchange } from '../lib/proc.mjs';

const VERSION = '4.0.1';
const HADOOP_VERSION = '3.3.6';

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

export function hive(ctx, env = process.env) {
  const { paths, ports } = ctx;
  const jarDir = join(paths.cacheDir, `hive-metastore-${VERSION}`);
  const dataDir = join(paths.dataDir, 'hive');
  const confDir = join(paths.runDir, 'hive-conf');
  // Hive 4 keeps external tables (Iceberg's) out of the managed warehouse: two roots.
  const warehouse = join(dataDir, 'warehouse');
  const managed = join(dataDir, 'managed');
  const pidFile = join(paths.runDir, 'hive.pid');
  const logFile = join(paths.logDir, 'hive.log');
  const pid = () => readPid(pidFile);

  return {
    name: 'hive',
    port: ports.hive,
    portVariable: 'FLOE_HIVE_PORT',
    logFile,
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
    },
    running: () => isAlive(pid()),
    async start() {
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
          `${confDir}:${jarDir}/*`,
          'org.apache.hadoop.hive.metastore.HiveMetaStore',
        ],
        cwd: dataDir,
        logFile,
        pidFile,
      });
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
