// PostgreSQL from Debian's packages, as a private instance with its own data folder.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/proc.mjs';
import { ensureDebianPackages, postgresBin } from '../lib/system.mjs';

const isRoot = process.getuid?.() === 0;

export function postgres(ctx) {
  const { paths, ports, secrets } = ctx;
  const dataDir = join(paths.dataDir, 'postgres');
  const socketDir = join(paths.runDir, 'postgres');
  const logFile = join(paths.logDir, 'postgres.log');
  const bin = (tool) => join(postgresBin(), tool);
  // Postgres refuses to run as root: as root, run its tools as the postgres user.
  const asOwner = (tool, args) =>
    isRoot ? ['runuser', ['-u', 'postgres', '--', bin(tool), ...args]] : [bin(tool), args];
  const pgEnv = { ...process.env, PGPASSWORD: secrets.postgresPassword };

  return {
    name: 'postgres',
    port: ports.postgres,
    portVariable: 'FLOE_PG_PORT',
    logFile,
    provision(say) {
      ensureDebianPackages([{ package: 'postgresql', present: () => postgresBin() !== undefined }], say);
    },
    running() {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) return false;
      const [cmd, args] = asOwner('pg_ctl', ['status', '-D', dataDir]);
      return spawnSync(cmd, args).status === 0;
    },
    async start(say) {
      for (const dir of [dataDir, socketDir, paths.logDir]) mkdirSync(dir, { recursive: true });
      if (!existsSync(logFile)) writeFileSync(logFile, '');
      if (isRoot) for (const p of [dataDir, socketDir, logFile]) chownSync(p, ...postgresUid());
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        say('initializing a new data folder');
        const pwFile = join(socketDir, 'pwfile');
        writeFileSync(pwFile, `${secrets.postgresPassword}\n`, { mode: 0o600 });
        if (isRoot) chownSync(pwFile, ...postgresUid());
        const [cmd, args] = asOwner('initdb', [
          '-D',
          dataDir,
          '-U',
          'postgres',
          `--pwfile=${pwFile}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C.UTF-8',
          '--no-sync',
        ]);
        run(cmd, args);
      }
      const options = `-p ${ports.postgres} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir} -c fsync=off -c max_connections=200`;
      const [cmd, args] = asOwner('pg_ctl', [
        'start',
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '60',
        '-o',
        options,
      ]);
      run(cmd, args);
    },
    healthy() {
      return spawnSync(bin('pg_isready'), ['-h', '127.0.0.1', '-p', String(ports.postgres)]).status === 0;
    },
    /** The application database, made once. */
    async afterReady() {
      const psql = (sql) =>
        run(
          bin('psql'),
          ['-h', '127.0.0.1', '-p', String(ports.postgres), '-U', 'postgres', '-d', 'postgres', '-tAc', sql],
          { env: pgEnv },
        );
      if (psql("SELECT 1 FROM pg_database WHERE datname = 'floe'").trim() !== '1')
        psql('CREATE DATABASE floe');
    },
    async stop() {
      if (!this.running()) return false;
      const [cmd, args] = asOwner('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
      run(cmd, args);
      return true;
    },
    env() {
      const base = `postgresql://postgres:${secrets.postgresPassword}@127.0.0.1:${ports.postgres}`;
      return { DATABASE_URL: `${base}/floe`, FLOE_PG_ADMIN_URL: `${base}/postgres` };
    },
    hint: 'another PostgreSQL may use the port (set FLOE_PG_PORT), or the data folder is damaged (npm run stack -- down && rm -rf .floe/stack/data/postgres)',
  };
}

function postgresUid() {
  const id = (flag) => Number(run('id', [flag, 'postgres']).trim());
  return [id('-u'), id('-g')];
}
