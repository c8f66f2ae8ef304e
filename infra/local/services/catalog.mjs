// The Apache Iceberg REST catalog server (iceberg-open-api's runnable jar from Maven Central),
// keeping its catalog in SQLite and its warehouse in the object store.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_REGION, ICEBERG_REST_VERSION, WAREHOUSE_BUCKET } from '../lib/config.mjs';
import { mavenCopyArtifact } from '../lib/maven.mjs';
import { httpOk, startDetached, stopPid } from '../lib/proc.mjs';
import { storeBound } from '../lib/store-bound.mjs';

export function catalog(ctx, objectStore) {
  const { paths, ports } = ctx;
  const jarDir = join(paths.cacheDir, `iceberg-rest-${ICEBERG_REST_VERSION}`);
  const dataDir = join(paths.dataDir, 'catalog');
  const pidFile = join(paths.runDir, 'catalog.pid');
  const logFile = join(paths.logDir, 'catalog.log');
  const uri = `http://127.0.0.1:${ports.catalog}`;
  const bound = storeBound({ name: 'catalog', runDir: paths.runDir, pidFile, objectStore });

  return {
    name: 'catalog',
    port: ports.catalog,
    portVariable: 'FLOE_CATALOG_PORT',
    logFile,
    dependsOn: ['object-store'],
    provision(say) {
      mavenCopyArtifact({
        say,
        what: `the Iceberg REST catalog server ${ICEBERG_REST_VERSION} (~200 MB)`,
        artifact: `org.apache.iceberg:iceberg-open-api:${ICEBERG_REST_VERSION}`,
        outputDir: jarDir,
        cacheDir: paths.cacheDir,
      });
    },
    running: bound.running,
    async start(say) {
      const { key, fresh } = await bound.prepare(say);
      if (fresh) rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true });
      const s3 = objectStore.env().FLOE_S3_ENDPOINT;
      startDetached({
        command: 'java',
        args: ['-Xmx512m', '-jar', join(jarDir, `iceberg-open-api-${ICEBERG_REST_VERSION}.jar`)],
        env: {
          CATALOG_REST_PORT: String(ports.catalog),
          CATALOG_URI: `jdbc:sqlite:file:${join(dataDir, 'catalog.db')}`,
          CATALOG_JDBC_USER: 'floe',
          CATALOG_JDBC_PASSWORD: 'floe',
          CATALOG_WAREHOUSE: `s3://${WAREHOUSE_BUCKET}/`,
          CATALOG_IO__IMPL: 'org.apache.iceberg.aws.s3.S3FileIO',
          CATALOG_S3_ENDPOINT: s3,
          CATALOG_S3_PATH__STYLE__ACCESS: 'true',
          CATALOG_S3_ACCESS__KEY__ID: key.accessKeyId,
          CATALOG_S3_SECRET__ACCESS__KEY: key.secretAccessKey,
          CATALOG_CLIENT_REGION: AWS_REGION,
          AWS_REGION,
          AWS_ACCESS_KEY_ID: key.accessKeyId,
          AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
        },
        logFile,
        pidFile,
      });
      bound.started(key);
    },
    healthy: () => httpOk(`${uri}/v1/config`),
    stop: () => stopPid(pidFile),
    env: () => ({ FLOE_ICEBERG_REST_URI: uri, FLOE_ICEBERG_WAREHOUSE: `s3://${WAREHOUSE_BUCKET}/` }),
    hint: 'another process may use the port (set FLOE_CATALOG_PORT), or Java is missing',
  };
}
