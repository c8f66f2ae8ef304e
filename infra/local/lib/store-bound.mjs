// For services started with the object store's admin key whose tables point into its files (the REST
// catalog, Nessie, the Hive metastore). moto keeps files and users in memory: when it restarts, the
// key they hold is refused and their tables point at nothing, so they start afresh.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readPid, stopPid } from './proc.mjs';

export function storeBound({ name, runDir, pidFile, objectStore }) {
  const file = join(runDir, `${name}-started-with.json`);
  const startedWith = () => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {});
  return {
    /** Running, and against the object store's current admin key. */
    running: () => isAlive(readPid(pidFile)) && startedWith().objectStorePid === objectStore.admin()?.pid,
    /**
     * The key to start with, once the process still holding an older one is stopped; `fresh` when the
     * object store restarted since the service last started (what it kept points at nothing).
     */
    async prepare(say) {
      const key = objectStore.admin();
      if (!key) throw new Error('the object store has no admin key yet');
      if (isAlive(readPid(pidFile))) {
        say(`the object store restarted (it keeps data in memory): starting ${name} afresh`);
        await stopPid(pidFile);
      }
      return { key, fresh: startedWith().objectStorePid !== key.pid };
    },
    /** Records the key the service was started with. */
    started: (key) => writeFileSync(file, JSON.stringify({ objectStorePid: key.pid })),
  };
}
