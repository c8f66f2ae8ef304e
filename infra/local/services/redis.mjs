// Redis from Debian's packages, private instance. The default user is off: the control plane
// connects as `admin`, and each agent later gets an ACL user limited to its own queue keys.
import { join } from 'node:path';
import { isAlive, readPid, run, stopPid, tcpExchange } from '../lib/proc.mjs';
import { ensureDebianPackages, has } from '../lib/system.mjs';

export function redis(ctx) {
  const { paths, ports, secrets } = ctx;
  const dir = join(paths.dataDir, 'redis');
  const pidFile = join(paths.runDir, 'redis.pid');
  const logFile = join(paths.logDir, 'redis.log');

  return {
    name: 'redis',
    port: ports.redis,
    portVariable: 'FLOE_REDIS_PORT',
    logFile,
    provision(say) {
      ensureDebianPackages([{ package: 'redis-server', present: has('redis-server') }], say);
    },
    running: () => isAlive(readPid(pidFile)),
    async start() {
      run('mkdir', ['-p', dir, paths.runDir, paths.logDir]);
      run('redis-server', [
        '--bind',
        '127.0.0.1',
        '--port',
        String(ports.redis),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'yes',
        '--pidfile',
        pidFile,
        '--logfile',
        logFile,
        '--user',
        'default',
        'off',
        '--user',
        'admin',
        'on',
        `>${secrets.redisPassword}`,
        '~*',
        '&*',
        '+@all',
      ]);
    },
    async healthy() {
      try {
        const answer = await tcpExchange(ports.redis, `AUTH admin ${secrets.redisPassword}\r\n`);
        return answer.toString().startsWith('+OK');
      } catch {
        return false;
      }
    },
    stop: () => stopPid(pidFile),
    env: () => ({ REDIS_URL: `redis://admin:${secrets.redisPassword}@127.0.0.1:${ports.redis}` }),
    hint: 'another Redis may use the port (set FLOE_REDIS_PORT)',
  };
}
