// One `stack up` or `down` at a time per stack folder: two at once (npm start beside npm test) would
// start the same service twice and overwrite each other's pid files.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

/**
 * Runs `work` holding the lock file `path` (it holds the holder's pid). A lock whose holder is gone is
 * taken over; while a live process holds it, this waits, saying so once, up to `timeoutMs`.
 */
export async function withLock(path, work, { timeoutMs = 15 * 60_000, say = console.log } = {}) {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (!(holder > 0) || !alive(holder)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `another stack command (pid ${holder}) still holds ${path}; stop it or delete the file`,
        );
      if (!told) say(`  · waiting for another stack command (pid ${holder}) to finish…`);
      told = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}
