import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INGEST_NODE_FLAGS } from '@floe/ingest';
import { afterAll, describe, expect, it } from 'vitest';

// The agent as a repository checkout holds it before a build: the bin and the TypeScript source, no dist/.
const agentDir = import.meta.dirname;
const checkout = mkdtempSync(join(tmpdir(), 'floe-agent-source-'));
mkdirSync(join(checkout, 'bin'));
copyFileSync(join(agentDir, 'bin/floe-agent.mjs'), join(checkout, 'bin/floe-agent.mjs'));
symlinkSync(join(agentDir, 'src'), join(checkout, 'src'));
symlinkSync(join(agentDir, 'package.json'), join(checkout, 'package.json'));
symlinkSync(join(agentDir, '../../node_modules'), join(checkout, 'node_modules'));
// Not a pipeline: `run` stops at reading it, after the agent has said how node was started.
const spec = join(checkout, 'not-a-pipeline.yaml');
writeFileSync(spec, 'name: 1\n');
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

function runFromSource(nodeFlags: readonly string[]): string {
  const run = spawnSync(
    process.execPath,
    [...nodeFlags, join(checkout, 'bin/floe-agent.mjs'), 'run', '--pipeline', spec],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.stdout + run.stderr).toContain('not a valid pipeline spec');
  return run.stdout + run.stderr;
}

describe('floe-agent run from source (no dist/)', () => {
  it("gives the agent's process the node flags the bin was started with", () => {
    expect(runFromSource(INGEST_NODE_FLAGS)).not.toContain('started without');
  });

  it('warns when node was started without them', () => {
    expect(runFromSource([])).toContain(`started without ${INGEST_NODE_FLAGS.join(' ')}`);
  });
});
