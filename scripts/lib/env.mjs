// The environment the repo's scripts run with: the local stack's settings (unless the
// caller set them) and the switches that keep Prisma from downloading engines.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackEnv } from '../../infra/local/env.mjs';
import { repoRoot } from '../../infra/local/lib/paths.mjs';

export { repoRoot };

export function stackEnv() {
  return { ...loadStackEnv(), ...process.env };
}

export function prismaEnv() {
  // The CLI skips its downloads when these point at an existing file; with `engine: "js"`
  // it never runs them.
  const placeholder = join(repoRoot, '.floe', 'prisma-engine-placeholder');
  mkdirSync(join(repoRoot, '.floe'), { recursive: true });
  writeFileSync(placeholder, '');
  return {
    ...stackEnv(),
    PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
    PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  };
}
