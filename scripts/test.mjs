#!/usr/bin/env node
// npm test: install what is missing, bring the local stack up, build, type-check and lint every
// workspace, run every test against the real services, and end with `N passed, N failed`.
// Extra arguments go to vitest (e.g. `npm test -- packages/db`). Tests come in projects by kind
// (vitest.shared.ts): `npm test -- --project unit` runs the unit tests alone, with no stack, build,
// type-check or lint first (seconds, not minutes).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages } from '../infra/local/lib/system.mjs';
import { repoRoot, stackEnv } from './lib/env.mjs';
import {
  ensureDatabase,
  ensureDependencies,
  fail,
  installAndStack,
  prepareDatabase,
  sh,
  step,
  testTempDir,
  turbo,
} from './lib/setup.mjs';

const resultsFile = join(repoRoot, '.floe', 'test-results.json');
const vitestArgs = process.argv.slice(2);

/** The vitest projects asked for (`--project unit`, `--project=unit`); none means all of them. */
function projectsAsked(args) {
  return args.flatMap((arg, i) =>
    arg.startsWith('--project=')
      ? [arg.slice('--project='.length)]
      : args[i - 1] === '--project'
        ? [arg]
        : [],
  );
}
const asked = projectsAsked(vitestArgs);
const unitOnly = asked.length > 0 && asked.every((project) => project === 'unit');

/** A check that is not a vitest test (type-check, lint) still counts as one passed or failed. */
async function check(title, run) {
  step(title);
  try {
    await run();
    return true;
  } catch (error) {
    console.error(`✗ ${error.message}`);
    return false;
  }
}

function runVitest(env) {
  rmSync(resultsFile, { force: true });
  const args = [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${resultsFile}`,
    ...vitestArgs,
  ];
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'vitest'), args, {
      cwd: repoRoot,
      env: { ...env, TMPDIR: testTempDir() },
      stdio: 'inherit',
    });
    child.once('exit', (code) => resolve(code));
  });
}

function countResults() {
  if (!existsSync(resultsFile)) return { passed: 0, failed: 1, skipped: 0, note: 'vitest wrote no results' };
  const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
  // A test file that fails to load, or whose setup (beforeAll) fails, reports no failed test of its
  // own (its tests show as skipped) but is a failure all the same.
  const brokenFiles = report.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

/** Unit tests need no service and no build: the dependencies and the generated Prisma client only. */
async function runUnitOnly() {
  step('Installing dependencies and the Prisma client (unit tests need nothing else)');
  await ensureDependencies();
  const client = join(repoRoot, 'packages', 'db', 'src', 'generated', 'prisma', 'client.ts');
  const schema = join(repoRoot, 'prisma', 'schema.prisma');
  if (!existsSync(client) || statSync(client).mtimeMs < statSync(schema).mtimeMs)
    await sh(process.execPath, ['scripts/db.mjs', 'generate'], { what: 'prisma generate' });
  step('Running the unit tests (vitest)');
  const exitCode = await runVitest({ ...process.env, NODE_ENV: 'test', TZ: 'UTC' });
  const tests = countResults();
  const failed = tests.failed + (exitCode !== 0 && tests.failed === 0 ? 1 : 0);
  if (tests.note) console.error(`✗ ${tests.note}`);
  console.log(
    `\n${tests.passed} passed, ${failed} failed${tests.skipped ? `, ${tests.skipped} skipped` : ''}`,
  );
  process.exit(failed === 0 ? 0 : 1);
}

try {
  if (unitOnly) await runUnitOnly();
  // The stack's optional catalogs too, so their tests run: the Hive metastore, and Nessie for the
  // exactly-once run over SASL_SSL (FLOE_STACK_HIVE=0 / FLOE_STACK_NESSIE=0 leave them out).
  process.env.FLOE_STACK_HIVE ??= '1';
  process.env.FLOE_STACK_NESSIE ??= '1';
  await installAndStack();
  step('Checking for Chromium (the browser the UI tests drive)');
  ensureDebianPackages([{ package: 'chromium', present: () => existsSync('/usr/bin/chromium') }], (m) =>
    console.log(`  · ${m}`),
  );
  const databaseUrl = await ensureDatabase('floe_test');
  await prepareDatabase(databaseUrl);
  const env = { ...stackEnv(), DATABASE_URL: databaseUrl, NODE_ENV: 'test', TZ: 'UTC' };

  const checks = [
    await check('Building every workspace (turbo run build)', () => turbo(['build'], [], env)),
    await check('Type-checking every workspace (turbo run typecheck, then the root files)', async () => {
      await turbo(['typecheck'], [], env);
      await sh(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', 'tsconfig.json'], {
        what: 'tsc (root)',
      });
    }),
    await check('Testing the native engine’s value rules (cargo test, where it is built)', () =>
      sh(process.execPath, ['packages/engine/build.mjs', '--test'], { what: 'cargo test (packages/engine)' }),
    ),
    await check('Linting and format check (biome)', () =>
      sh(join(repoRoot, 'node_modules', '.bin', 'biome'), ['check', '.'], { what: 'biome check' }),
    ),
    await check('Checking imports (layers import downwards, workspaces declare what they import)', () =>
      sh(process.execPath, [join(repoRoot, 'scripts', 'check-imports.mjs')], { what: 'check-imports' }),
    ),
  ];

  step('Running every workspace’s tests against the real local stack (vitest)');
  const exitCode = await runVitest(env);
  const tests = countResults();
  const passed = tests.passed + checks.filter(Boolean).length;
  const failed =
    tests.failed + checks.filter((ok) => !ok).length + (exitCode !== 0 && tests.failed === 0 ? 1 : 0);
  if (tests.note) console.error(`✗ ${tests.note}`);
  console.log(`\n${passed} passed, ${failed} failed${tests.skipped ? `, ${tests.skipped} skipped` : ''}`);
  process.exit(failed === 0 ? 0 : 1);
} catch (error) {
  fail(error);
}
