import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INGEST_NODE_FLAGS } from '@floe/ingest';
import { describe, expect, it } from 'vitest';
import { installCommands } from '../web/app/orgs/[slug]/agents/install-commands';
import packageJson from './package.json' with { type: 'json' };

// No Docker engine runs here, so the image is checked by what can be read and run without one:
// the Dockerfile's instructions, and the files it copies from the build, made by `npm run build`.
const agentDir = import.meta.dirname;
const read = (path: string) => readFileSync(join(agentDir, path), 'utf8');
const dockerfile = read('Dockerfile');
const instructions = (name: string) =>
  [...dockerfile.matchAll(new RegExp(`^${name} (.+)$`, 'gm'))].map((m) => m[1] as string);
const args = Object.fromEntries(instructions('ARG').map((a) => a.split('=', 2) as [string, string]));
const stages = dockerfile.split(/^FROM /m).slice(1);
const final = stages.at(-1) as string;
const stage = (name: string) => stages.find((s) => s.split('\n', 1)[0]?.endsWith(` AS ${name}`)) as string;
const imageOf = (from: string) =>
  (from.split(/\s/)[0] as string).replace(/^\$\{(\w+)\}$/, (ref, a) => args[a] ?? ref);

describe('apps/agent/Dockerfile', () => {
  it('bundles and runs on an exact Node release of the major the bundle targets', () => {
    const target = /target: 'node(\d+)'/.exec(read('tsup.config.ts'))?.[1];
    for (const from of [stage('build'), final])
      expect(imageOf(from)).toMatch(
        new RegExp(`^node:${target}\\.\\d+\\.\\d+-\\w+-slim(@sha256:[0-9a-f]{64})?$`),
      );
  });

  it('builds the native engine with a pinned Rust toolchain and ships it where the agent loads it', () => {
    expect(imageOf(stage('engine'))).toMatch(/^rust:\d+\.\d+(\.\d+)?-slim-\w+(@sha256:[0-9a-f]{64})?$/);
    expect(stage('engine')).toContain('RUN node build.mjs');
    expect(final).toMatch(
      /COPY --from=engine .*floe-engine\.linux-\*\.node \\\n\s+\.\/node_modules\/@floe\/engine\//,
    );
  });

  it("runs as a numeric non-root user, the one the Helm chart's runAsUser names", () => {
    const user = /^USER (\d+):(\d+)$/m.exec(final);
    expect(Number(user?.[1])).toBeGreaterThan(0);
    const deployment = readFileSync(
      join(agentDir, '../../infra/helm/floe-agent/templates/deployment.yaml'),
      'utf8',
    );
    expect(/runAsUser: (\d+)/.exec(deployment)?.[1]).toBe(user?.[1]);
  });

  it('runs `floe-agent start` from the bundle that the build stage makes and the final stage copies', () => {
    const entrypoint = JSON.stringify(['node', ...INGEST_NODE_FLAGS, '/app/apps/agent/bin/floe-agent.mjs']);
    expect(final).toContain(`ENTRYPOINT ${entrypoint.replaceAll(',', ', ')}`);
    // Started as an executable (npx, a global install), the bin passes the same flags.
    expect(read('bin/floe-agent.mjs').split('\n')[0]).toBe(
      `#!/usr/bin/env -S node ${INGEST_NODE_FLAGS.join(' ')}`,
    );
    expect(final).toContain('CMD ["start"]');
    for (const path of ['bin', 'dist', 'package.json'])
      expect(final).toContain(`COPY --from=build /src/apps/agent/${path} ./apps/agent/${path}`);
    expect(stage('build')).toContain('npm run build --workspace floe-agent');
    // bin/floe-agent.mjs runs dist/cli.js, which tsup makes from src/cli.ts.
    expect(read('bin/floe-agent.mjs')).toContain("join(root, 'dist', 'cli.js')");
    expect(existsSync(join(agentDir, 'dist/cli.js')), 'run `npm run build -w apps/agent` first').toBe(true);
    const version = spawnSync(process.execPath, [join(agentDir, 'dist/cli.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(version.stdout.trim()).toBe(packageJson.version);
  });

  it("is what the Agents page's Docker command runs, with the agent's state on a volume", () => {
    const docker = installCommands('https://floe.example.com', 'floe_it_x').find((c) => c.label === 'Docker');
    const stateDir = /FLOE_AGENT_STATE_DIR=(\S+)/.exec(final)?.[1];
    expect(docker?.command).toContain(` -v floe-agent:${stateDir} `);
    expect(docker?.command).toContain(' floe/agent start --control-plane https://floe.example.com');
  });

  it('keeps installed files, git history and the local stack (its keys) out of the build context', () => {
    const ignored = read('Dockerfile.dockerignore').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '.git', '.floe']) expect(ignored).toContain(pattern);
  });
});
