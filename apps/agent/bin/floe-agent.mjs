#!/usr/bin/env -S node --initial-old-space-size=128
// The flag is @floe/ingest's INGEST_NODE_FLAGS (why: packages/ingest/src/node-flags.ts).
import { spawnSync } from 'node:child_process';
// Runs the built agent when there is one, else its TypeScript source (inside this repository).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const runner = existsSync(tsx) ? tsx : join(root, '..', '..', 'node_modules', '.bin', 'tsx');
  // tsx hands node's flags (the shebang's, or the caller's) on to the process it starts.
  const result = spawnSync(
    runner,
    [...process.execArgv, join(root, 'src', 'cli.ts'), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(result.status ?? 1);
}
