// Installs the Debian packages the stack runs on, when they are missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { which } from './proc.mjs';

let aptUpdated = false;

/** Each requirement is { package, present: () => boolean }; missing ones are installed with apt-get. */
export function ensureDebianPackages(requirements, say) {
  const missing = requirements.filter((r) => !r.present()).map((r) => r.package);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing system packages: ${missing.join(', ')}. Install them with: sudo ${command}`);
  }
  say(`installing Debian packages: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  const result = spawnSync('sh', ['-c', `${command} -qq`], { stdio: 'inherit', env });
  const still = requirements.filter((r) => !r.present()).map((r) => r.package);
  if (result.status !== 0 || still.length > 0) {
    throw new Error(
      `could not install ${still.join(', ') || missing.join(', ')} (apt-get exited ${result.status}). Try: ${command}`,
    );
  }
}

export const has = (command) => () => which(command) !== undefined;

/** The newest PostgreSQL server's bin folder from Debian's postgresql-NN packages. */
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(`${root}/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? `${root}/${versions[0]}/bin` : undefined;
}
