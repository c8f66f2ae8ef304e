import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';

const repoRoot = resolve(import.meta.dirname, '../../..');

/**
 * A new, empty PostgreSQL database on the same server as `adminUrl`, for tests that need one
 * of their own. `migrate()` applies prisma/migrations to it; `drop()` removes it.
 */
export async function createScratchDatabase(adminUrl = requiredEnv('FLOE_PG_ADMIN_URL')) {
  const name = `floe_scratch_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    migrate() {
      const result = spawnSync(process.execPath, [resolve(repoRoot, 'scripts/db.mjs'), 'migrate'], {
        env: { ...process.env, DATABASE_URL: url.toString() },
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`migrating ${name} failed:\n${result.stdout}${result.stderr}`);
      return result.stdout;
    },
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function adminQuery(adminUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (start the local stack with: npm run stack -- up)`);
  return value;
}
