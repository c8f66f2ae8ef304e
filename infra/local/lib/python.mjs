// The stack's Python virtualenv (moto's server, pyiceberg, boto3), made once per version of
// python/requirements.txt and kept in the shared cache.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';
import { ensureDebianPackages, has } from './system.mjs';

const requirementsFile = join(import.meta.dirname, '../python/requirements.txt');

export function pythonVenv(paths) {
  const hash = createHash('sha256').update(readFileSync(requirementsFile)).digest('hex').slice(0, 10);
  const dir = join(paths.cacheDir, `venv-${hash}`);
  return { dir, python: join(dir, 'bin', 'python'), bin: (name) => join(dir, 'bin', name) };
}

export function ensurePythonVenv(paths, say) {
  const venv = pythonVenv(paths);
  const marker = join(venv.dir, '.complete');
  if (existsSync(marker)) return venv;
  ensureDebianPackages([{ package: 'python3-venv', present: has('python3') }], say);
  say(`making the Python virtualenv (moto, pyiceberg, pyarrow) in ${venv.dir} (once)`);
  rmSync(venv.dir, { recursive: true, force: true });
  run('python3', ['-m', 'venv', venv.dir]);
  run(venv.bin('pip'), ['install', '-q', '--disable-pip-version-check', '-r', requirementsFile], {
    env: { ...process.env, PIP_CACHE_DIR: join(paths.cacheDir, 'pip') },
  });
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return venv;
}
