#!/usr/bin/env node
// Database commands that work without Prisma's engine downloads (see prisma.config.ts):
//   generate | migrate | migration <name> | seed | check
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prismaEnv, repoRoot } from './lib/env.mjs';

const migrationsDir = join(repoRoot, 'prisma', 'migrations');

function prisma(args, { capture = false } = {}) {
  const result = spawnSync(join(repoRoot, 'node_modules', '.bin', 'prisma'), args, {
    cwd: repoRoot,
    env: prismaEnv(),
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  return result;
}

function must(result, what) {
  if (result.status !== 0) {
    if (result.stderr) process.stderr.write(result.stderr);
    console.error(`✗ ${what} failed (prisma exited ${result.status})`);
    process.exit(result.status ?? 1);
  }
  return result;
}

export const commands = {
  generate: () => must(prisma(['generate', '--no-hints']), 'prisma generate'),
  migrate: () => must(prisma(['migrate', 'deploy']), 'applying migrations'),
  /** Writes the SQL that takes the migrations folder to schema.prisma as a new migration. */
  migration(name) {
    if (!name || !/^[a-z0-9_]+$/.test(name)) {
      console.error('usage: npm run db:migration -- <name>   (lowercase letters, digits and _)');
      process.exit(2);
    }
    const from =
      existsSync(migrationsDir) && readdirSync(migrationsDir).some((d) => /^\d/.test(d))
        ? ['--from-migrations', migrationsDir]
        : ['--from-empty'];
    const diff = must(
      prisma(['migrate', 'diff', ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
        capture: true,
      }),
      'computing the migration',
    );
    const sql = diff.stdout.trim();
    if (sql === '' || sql === '-- This is an empty migration.') {
      console.log('schema.prisma and the migrations agree: nothing to write.');
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = join(migrationsDir, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'migration.sql'), `${sql}\n`);
    const lock = join(migrationsDir, 'migration_lock.toml');
    if (!existsSync(lock)) writeFileSync(lock, 'provider = "postgresql"\n');
    console.log(`✓ wrote ${dir}/migration.sql — review it, then npm run db:migrate`);
  },
  /** Exits 0 when applying the migrations folder yields exactly schema.prisma, 2 when not. */
  check() {
    const result = prisma(
      [
        'migrate',
        'diff',
        '--from-migrations',
        migrationsDir,
        '--to-schema-datamodel',
        'prisma/schema.prisma',
        '--exit-code',
      ],
      { capture: true },
    );
    if (result.status === 0) return console.log('✓ prisma/migrations and schema.prisma agree');
    if (result.status === 2)
      console.error('✗ schema.prisma has changes no migration holds: run npm run db:migration -- <name>');
    else process.stderr.write(result.stderr);
    process.exit(result.status ?? 1);
  },
  seed: () =>
    must(
      spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'prisma', 'seed.ts')], {
        stdio: 'inherit',
        env: prismaEnv(),
      }),
      'seeding',
    ),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const [name, ...args] = process.argv.slice(2);
  if (!commands[name]) {
    console.error(`usage: node scripts/db.mjs ${Object.keys(commands).join('|')}`);
    process.exit(2);
  }
  commands[name](...args);
}
