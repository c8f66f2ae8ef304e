// Project Nessie (nessie-quarkus's runner jar from Maven Central), for its Iceberg REST API at
// /iceberg, its warehouse in the object store. Optional: `npm run stack -- up nessie`, or
// FLOE_STACK_NESSIE=1 to start it with the rest. It needs Java 21 or newer (the machine's JDK 25).
// Its version store is in memory, like the object store's files: a restart starts it empty.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_REGION, WAREHOUSE_BUCKET } from '../lib/config.mjs';
import { mavenCopyArtifact } from '../lib/maven.mjs';
import { httpOk, isAlive, readPid, startDetached, stopPid } from '../lib/proc.mjs';
import { storeBound } from '../lib/store-bound.mjs';

const VERSION = '0.99.0';
/** Nessie's warehouse name (clients ask for it in /v1/config) and where its tables go. */
export const NESSIE_WAREHOUSE = 'warehouse';

/** A java of version 21 or newer: FLOE_NESSIE_JAVA, or a JDK under /usr/lib/jvm. */
function java21(env) {
  if (env.FLOE_NESSIE_JAVA) return env.FLOE_NESSIE_JAVA;
  const root = '/usr/lib/jvm';
  const found = (existsSync(root) ? readdirSync(root) : [])
    .map((dir) => ({ dir, major: Number(/(?:^|-)(\d{2})(?:[.-]|$)/.exec(dir)?.[1] ?? 0) }))
    .filter(({ dir, major }) => major >= 21 && existsSync(join(root, dir, 'bin', 'java')))
    .sort((a, b) => b.major - a.major)[0];
  if (found === undefined)
    throw new Error(
      'Nessie needs Java 21 or newer: install a JDK 21+ under /usr/lib/jvm, or set FLOE_NESSIE_JAVA to its java',
    );
  return join(root, found.dir, 'bin', 'java');
}

export function nessie(ctx, objectStore, env = process.env) {
  const { paths, ports } = ctx;
  const jarDir = join(paths.cacheDir, `nessie-${VERSION}`);
  const pidFile = join(paths.runDir, 'nessie.pid');
  const logFile = join(paths.logDir, 'nessie.log');
  const uri = `http://127.0.0.1:${ports.nessie}/iceberg`;
  const pid = () => readPid(pidFile);
  const bound = storeBound({ name: 'nessie', runDir: paths.runDir, pidFile, objectStore });

  return {
    name: 'nessie',
    port: ports.nessie,
    portVariable: 'FLOE_NESSIE_PORT',
    logFile,
    dependsOn: ['object-store'],
    /** Started by `up` only when named, or with FLOE_STACK_NESSIE=1. */
    optional: env.FLOE_STACK_NESSIE !== '1',
    provision(say) {
      mavenCopyArtifact({
        say,
        what: `Project Nessie ${VERSION} (~245 MB)`,
        artifact: `org.projectnessie.nessie:nessie-quarkus:${VERSION}:jar:runner`,
        outputDir: jarDir,
        cacheDir: paths.cacheDir,
      });
    },
    running: bound.running,
    async start(say) {
      const { key } = await bound.prepare(say);
      const s3 = 'nessie.catalog.service.s3.default-options';
      const settings = {
        'quarkus.http.host': '127.0.0.1',
        'quarkus.http.port': ports.nessie,
        'quarkus.management.host': '127.0.0.1',
        'quarkus.management.port': ports.nessieManagement,
        'quarkus.http.access-log.enabled': false,
        'quarkus.otel.sdk.disabled': true,
        'nessie.version.store.type': 'IN_MEMORY',
        'nessie.catalog.default-warehouse': NESSIE_WAREHOUSE,
        [`nessie.catalog.warehouses.${NESSIE_WAREHOUSE}.location`]: `s3://${WAREHOUSE_BUCKET}/nessie/`,
        [`${s3}.endpoint`]: objectStore.env().FLOE_S3_ENDPOINT,
        [`${s3}.path-style-access`]: true,
        [`${s3}.region`]: AWS_REGION,
        // Clients sign their own S3 requests with their own keys, as with the REST catalog.
        [`${s3}.request-signing-enabled`]: false,
        // The key itself goes by environment (FLOE_S3_NAME, FLOE_S3_SECRET), not on the command line.
        [`${s3}.access-key`]: 'urn:nessie-secret:quarkus:floe.s3',
      };
      startDetached({
        command: java21(env),
        args: [
          '-Xmx512m',
          ...Object.entries(settings).map(([k, v]) => `-D${k}=${v}`),
          '-jar',
          join(jarDir, `nessie-quarkus-${VERSION}-runner.jar`),
        ],
        env: { FLOE_S3_NAME: key.accessKeyId, FLOE_S3_SECRET: key.secretAccessKey },
        cwd: paths.runDir,
        logFile,
        pidFile,
      });
      bound.started(key);
    },
    healthy: () => httpOk(`${uri}/v1/config`),
    stop: () => stopPid(pidFile),
    /** Its settings only while it runs: tests against Nessie run when these are there. */
    env: () => (isAlive(pid()) ? { FLOE_NESSIE_URI: uri, FLOE_NESSIE_WAREHOUSE: NESSIE_WAREHOUSE } : {}),
    hint: 'another process may use the port (set FLOE_NESSIE_PORT, FLOE_NESSIE_MANAGEMENT_PORT), or no Java 21+ is installed (FLOE_NESSIE_JAVA)',
  };
}
