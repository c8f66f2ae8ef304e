#!/usr/bin/env node
// Builds the native ingest engine (cargo build --release) and copies it beside index.js as
// floe-engine.<platform>-<arch>.node. Plain Node, no dependencies. Never fails the caller: without
// cargo, or when the build fails, it says so and Floe runs the portable (TypeScript) engine.
// With --test it runs the crate's own tests instead (cargo test --release, the same target folder),
// and fails when they fail; without cargo there is nothing to test and it says so.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, `floe-engine.${process.platform}-${process.arch}.node`);
const say = (text) => console.log(`  · native engine: ${text}`);
const portable = (why) => {
  say(`${why}; Floe will run the portable (TypeScript) engine`);
  process.exit(0);
};

/** The newest modification time of the crate's sources (src/, Cargo.toml, Cargo.lock, build.rs). */
function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const s = statSync(path);
    if (s.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const name of ['src', 'Cargo.toml', 'Cargo.lock', 'build.rs']) visit(join(here, name));
  return newest;
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findCargo() {
  const name = process.platform === 'win32' ? 'cargo.exe' : 'cargo';
  const dirs = [...(process.env.PATH ?? '').split(delimiter), join(homedir(), '.cargo', 'bin')];
  if (process.env.CARGO_HOME) dirs.push(join(process.env.CARGO_HOME, 'bin'));
  return dirs.map((d) => join(d, name)).find(isFile);
}

function libraryName() {
  if (process.platform === 'darwin') return 'libfloe_engine.dylib';
  if (process.platform === 'win32') return 'floe_engine.dll';
  return 'libfloe_engine.so';
}

const cache = process.env.FLOE_CACHE_DIR ?? join(homedir(), '.cache', 'floe');
const targetDir = join(cache, 'cargo-target');
const cargoEnv = { ...process.env, CARGO_TARGET_DIR: targetDir };

if (process.argv.includes('--test')) {
  const cargo = findCargo();
  if (cargo === undefined || process.env.FLOE_NATIVE_ENGINE === 'off') {
    say('no tests run (not built here)');
    process.exit(0);
  }
  const tests = spawnSync(cargo, ['test', '--release', '--locked'], {
    cwd: here,
    stdio: 'inherit',
    env: cargoEnv,
  });
  process.exit(tests.status ?? 1);
}
if (process.env.FLOE_NATIVE_ENGINE === 'off') portable('not built (FLOE_NATIVE_ENGINE=off)');
if (existsSync(output) && statSync(output).mtimeMs >= newestSource()) {
  say(`up to date (${output.slice(here.length + 1)})`);
  process.exit(0);
}
const cargo = findCargo();
if (cargo === undefined) portable('not built (cargo not found on PATH or in ~/.cargo/bin)');

mkdirSync(targetDir, { recursive: true });
say(`building with ${cargo} (release; target folder ${targetDir}; the first build takes a few minutes)…`);
const started = Date.now();
const result = spawnSync(cargo, ['build', '--release', '--locked'], {
  cwd: here,
  stdio: 'inherit',
  env: cargoEnv,
});
if (result.error !== undefined) portable(`not built (${result.error.message})`);
if (result.status !== 0) portable(`the build failed (cargo exit ${result.status}, see above)`);
const built = join(targetDir, 'release', libraryName());
if (!existsSync(built)) portable(`the build left no ${built}`);
// Copy then rename, so that a process loading the engine never sees half a file.
copyFileSync(built, `${output}.tmp`);
renameSync(`${output}.tmp`, output);
say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${output.slice(here.length + 1)}`);
