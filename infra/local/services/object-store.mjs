// moto's server: S3, STS, IAM and Glue on one port, started with credential checks on
// (INITIAL_NO_AUTH_ACTION_COUNT=0) and bootstrapped with one admin user and the warehouse bucket.
// python/moto_server.py starts it, so that AssumeRole evaluates trust-policy conditions as AWS does.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_REGION, WAREHOUSE_BUCKET } from '../lib/config.mjs';
import { httpOk, isAlive, readPid, run, startDetached, stopPid } from '../lib/proc.mjs';
import { ensurePythonVenv, pythonVenv } from '../lib/python.mjs';

const launcher = join(import.meta.dirname, '../python/moto_server.py');

export function objectStore(ctx) {
  const { paths, ports } = ctx;
  const pidFile = join(paths.runDir, 'object-store.pid');
  const adminFile = join(paths.runDir, 'object-store-admin.json');
  const logFile = join(paths.logDir, 'object-store.log');
  const endpoint = `http://127.0.0.1:${ports.objectStore}`;
  const pid = () => readPid(pidFile);
  /** The admin key of the moto process now running (moto forgets users when it restarts). */
  const admin = () => {
    if (!existsSync(adminFile)) return undefined;
    const saved = JSON.parse(readFileSync(adminFile, 'utf8'));
    return saved.pid === pid() ? saved : undefined;
  };

  return {
    name: 'object-store',
    port: ports.objectStore,
    portVariable: 'FLOE_S3_PORT',
    logFile,
    provision: (say) => ensurePythonVenv(paths, say),
    running: () => isAlive(pid()),
    async start() {
      startDetached({
        command: pythonVenv(paths).python,
        args: [launcher, '-H', '127.0.0.1', '-p', String(ports.objectStore)],
        env: { INITIAL_NO_AUTH_ACTION_COUNT: '0', MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
        logFile,
        pidFile,
      });
    },
    healthy: () => httpOk(`${endpoint}/moto-api/`),
    /** Bootstraps credentials once per moto process. */
    async afterReady(say) {
      if (admin()) return;
      say('turning credential checks on and creating the admin user and warehouse bucket');
      const out = run(pythonVenv(paths).python, [
        join(import.meta.dirname, '../python/bootstrap_moto.py'),
        endpoint,
        AWS_REGION,
        WAREHOUSE_BUCKET,
      ]);
      writeFileSync(adminFile, JSON.stringify({ pid: pid(), ...JSON.parse(out) }), { mode: 0o600 });
    },
    admin,
    stop: () => stopPid(pidFile),
    env() {
      const key = admin();
      return {
        FLOE_S3_ENDPOINT: endpoint,
        FLOE_AWS_REGION: AWS_REGION,
        FLOE_AWS_ACCESS_KEY_ID: key?.accessKeyId ?? '',
        FLOE_AWS_SECRET_ACCESS_KEY: key?.secretAccessKey ?? '',
        FLOE_WAREHOUSE_BUCKET: WAREHOUSE_BUCKET,
        FLOE_PYTHON: pythonVenv(paths).python,
      };
    },
    hint: 'another process may use the port (set FLOE_S3_PORT), or the virtualenv is broken (delete it from the cache folder)',
  };
}
