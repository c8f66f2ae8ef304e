// Where the local stack keeps things. Data and logs live in the checkout (git-ignored);
// downloads live in a cache folder shared by every checkout on the machine, so a fresh
// clone's second start only pays for starting processes.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function stackPaths(env = process.env) {
  const stackDir = resolve(env.FLOE_STACK_DIR ?? join(repoRoot, '.floe', 'stack'));
  const cacheDir = resolve(
    env.FLOE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'floe'),
  );
  return {
    stackDir,
    cacheDir,
    dataDir: join(stackDir, 'data'),
    logDir: join(stackDir, 'logs'),
    runDir: join(stackDir, 'run'),
    envFile: join(stackDir, 'env.json'),
    secretsFile: join(stackDir, 'secrets.json'),
  };
}
