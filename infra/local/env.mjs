// The connection settings of the running local stack, for tests and scripts.
// `npm run stack -- up` writes them to <stack dir>/env.json once every service is healthy.
import { existsSync, readFileSync } from 'node:fs';
import { stackPaths } from './lib/paths.mjs';

/** @returns {Record<string, string>} the stack's environment, or {} when the stack was never started */
export function loadStackEnv() {
  const file = stackPaths().envFile;
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8'));
}
