// PostgreSQL from Debian's packages, as a private instance with its own data folder.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../lib/proc.mjs';
import { ensureDebianPackages, postgresBin } from '../lib/system.mjs';

const isRoot = process.getuid?.() === 0;

export function postgres(ctx) {
  const { paths, ports, secrets } = ctx;
  let where;
  const files = () => (where ??= layout(paths));
  const bin = (tool) => join(postgresBin(), tool);
  // Postgres refuses to run as root: as root, run its tools as the postgres user.
  const asOwner = (tool, args) =>
    isRoot ? ['runuser', ['-u', 'postgres', '--', bin(tool), ...args]] : [bin(tool), args];
  const pgEnv = { ...process.env, PGPASSWORD: secrets.postgresPassword };

  return {
    name: 'postgres',
    port: ports.postgres,
    portVariable: 'FLOE_PG_PORT',
    get logFile() {
      return files().logFile;
    },
    provision(say) {
      ensureDebianPackages([{ package: 'postgresql', present: () => postgresBin() !== undefined }], say);
    },
    running() {
      const { dataDir } = files();
      if (!existsSync(join(dataDir, 'PG_VERSION'))) return false;
      const [cmd, args] = asOwner('pg_ctl', ['status', '-D', dataDir]);
      return spawnSync(cmd, args).status === 0;
    },
    async start(say) {
      const { dataDir, socketDir, logFile } = files();
      for (const dir of [dataDir, socketDir, dirname(logFile)]) mkdirSync(dir, { recursive: true });
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
      const { dataDir } = files();
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

/**
 * Where Postgres keeps its files: in the stack folder, unless we run as root and the postgres
 * user cannot reach that folder (a checkout under /root, say); then under /var/lib/floe.
 */
function layout(paths) {
  const inStack = {
    dataDir: join(paths.dataDir, 'postgres'),
    socketDir: join(paths.runDir, 'postgres'),
    logFile: join(paths.logDir, 'postgres.log'),
  };
  if (!isRoot) return inStack;
  mkdirSync(paths.stackDir, { recursive: true });
  const reachable = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', paths.stackDir]).status === 0;
  const userExists = spawnSync('id', ['postgres']).status === 0;
  if (reachable || !userExists) return inStack;
  const home = join('/var/lib/floe', createHash('sha256').update(paths.stackDir).digest('hex').slice(0, 12));
  return { dataDir: join(home, 'data'), socketDir: join(home, 'run'), logFile: join(home, 'postgres.log') };
}

function postgresUid() {
  const id = (flag) => Number(run('id', [flag, 'postgres']).trim());
  return [id('-u'), id('-g')];
}
