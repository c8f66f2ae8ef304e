// Apicurio Registry (Maven Central) for its Confluent-compatible schema registry API
// (`/apis/ccompat/v7`). 2.6.x runs on Java 17. Its storage is in memory: schemas registered
// before a restart are gone after it.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mavenCopyArtifact } from '../lib/maven.mjs';
import { httpOk, isAlive, readPid, run, startDetached, stopPid } from '../lib/proc.mjs';

const VERSION = '2.6.13.Final';

export function schemaRegistry(ctx) {
  const { paths, ports } = ctx;
  const home = join(paths.cacheDir, `apicurio-registry-${VERSION}`);
  const runner = join(home, `apicurio-registry-app-${VERSION}-runner.jar`);
  const pidFile = join(paths.runDir, 'schema-registry.pid');
  const logFile = join(paths.logDir, 'schema-registry.log');
  const base = `http://127.0.0.1:${ports.schemaRegistry}`;
  const ccompat = `${base}/apis/ccompat/v7`;

  return {
    name: 'schema-registry',
    port: ports.schemaRegistry,
    portVariable: 'FLOE_REGISTRY_PORT',
    logFile,
    provision(say) {
      const tarball = join(home, 'download');
      mavenCopyArtifact({
        say,
        what: `Apicurio Registry ${VERSION} (~140 MB)`,
        artifact: `io.apicurio:apicurio-registry-app:${VERSION}:tar.gz:all`,
        outputDir: tarball,
        cacheDir: paths.cacheDir,
      });
      if (!existsSync(runner)) {
        mkdirSync(home, { recursive: true });
        run('tar', ['xzf', join(tarball, `apicurio-registry-app-${VERSION}-all.tar.gz`), '-C', home]);
      }
    },
    running: () => isAlive(readPid(pidFile)),
    async start() {
      startDetached({
        command: 'java',
        args: [
          '-Xmx512m',
          '-Dquarkus.http.host=127.0.0.1',
          `-Dquarkus.http.port=${ports.schemaRegistry}`,
          '-Dquarkus.http.access-log.enabled=false',
          '-jar',
          runner,
        ],
        logFile,
        pidFile,
      });
    },
    healthy: () => httpOk(`${base}/health/ready`),
    /** Confluent's default is BACKWARD; Apicurio's is NONE. Set it so clients see what they expect. */
    async afterReady() {
      const res = await fetch(`${ccompat}/config`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: 'BACKWARD' }),
      });
      if (!res.ok) throw new Error(`setting the global compatibility failed: HTTP ${res.status}`);
    },
    stop: () => stopPid(pidFile),
    env: () => ({ FLOE_SCHEMA_REGISTRY_URL: ccompat }),
    hint: 'another process may use the port (set FLOE_REGISTRY_PORT), or Java 17 is missing',
  };
}
