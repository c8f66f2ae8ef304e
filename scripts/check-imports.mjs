#!/usr/bin/env node
// Fails on a wrong-way import between layers or an undeclared workspace dependency (see lib/import-rules.mjs).
import { repoRoot } from './lib/env.mjs';
import { checkImports } from './lib/import-rules.mjs';

const violations = checkImports(repoRoot);
for (const line of violations) console.error(line);
if (violations.length > 0) {
  console.error(`${violations.length} import rule violation${violations.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log('imports: every layer imports downwards, every workspace declares what it imports');
