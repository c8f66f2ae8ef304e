// The import rules `npm test` checks (scripts/check-imports.mjs): layers inside a package import only
// downwards, a package's surface files (the API's routers) are imported by no other of its files, and a
// workspace imports only packages its package.json declares.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Layers of a package's src folder, lowest first: a file in one folder may import from its own layer
 * and those below. A folder's layer is that of the longest name listed that holds it (catalog/glue
 * before catalog); a folder not listed is in the layer named '*'. Files directly in src (index.ts,
 * root.ts) wire the package and import anything. Test files are not held to it.
 */
export const LAYERS = {
  'packages/iceberg': [
    ['util'],
    ['spec', 'transform', 'io'],
    // The catalog interface (catalog.ts, errors, table-commit) sits below what uses it ...
    ['catalog'],
    ['writer', 'reader'],
    // ... its implementations (and metastore/, what the Glue and Hive ones share) above the readers
    // they use to find a table's files.
    ['catalog/glue', 'catalog/hive', 'catalog/metastore', 'catalog/rest'],
    ['transaction'],
    ['maintenance'],
  ],
};

/**
 * Files that are a package's surface, above every other file of it wherever they lie: only another
 * such file, a test or a file directly in src (root.ts, index.ts) imports one. The API's routers are
 * its surface: each domain folder holds its router beside its logic, and the logic never reaches back
 * up into a router.
 */
export const SURFACES = {
  'packages/api': { files: /(^|\/)router\.ts$/, what: "a router, the API's surface" },
};

/**
 * Workspaces of browser-safe pure logic, the bottom layer of the workspaces: the web app's client code
 * and the server both import them, so they import no other workspace (@floe/*) and no Node built-in.
 */
export const PURE_WORKSPACES = ['packages/pure'];

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const TEST = /\.test\.(ts|tsx|mts|mjs|js)$/;

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.next', '.turbo', 'generated', 'target'].includes(entry.name)) continue;
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module a file imports, exports from or requires (TypeScript's own scan: strings and comments are not imports). */
export function importsOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The package a bare specifier names: '@floe/iceberg/testing' → '@floe/iceberg', 'node:fs' → undefined. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  return builtinModules.includes(name) ? undefined : name;
}

/** The folder (a listed name, else the top folder) a path under src belongs to; undefined directly in src. */
function unitOf(layers, path) {
  const parts = path.split(sep);
  if (parts.length < 2) return undefined;
  const folder = parts.slice(0, -1).join('/');
  const listed = layers
    .flat()
    .filter((name) => folder === name || folder.startsWith(`${name}/`))
    .sort((a, b) => b.length - a.length);
  return listed[0] ?? parts[0];
}

function layerOf(layers, unit) {
  const index = layers.findIndex((layer) => layer.includes(unit));
  return index >= 0 ? index : layers.findIndex((layer) => layer.includes('*'));
}

/** The wrong-way imports of one workspace: a file importing from a layer above its own. */
function layerViolations(root, workspace, layers, files) {
  const src = join(root, workspace, 'src');
  const out = [];
  for (const file of files) {
    if (TEST.test(file) || !file.startsWith(src + sep)) continue;
    const from = unitOf(layers, relative(src, file));
    if (from === undefined) continue;
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(src + sep)) continue;
      const to = unitOf(layers, relative(src, target));
      if (to === undefined || to === from) continue;
      if (layerOf(layers, to) > layerOf(layers, from)) {
        out.push(
          `${relative(root, file)}: imports ${specifier} — ${from}/ may not import from ${to}/, a layer above it`,
        );
      }
    }
  }
  return out;
}

/** Imports of a surface file (see SURFACES) from a file that is not one. */
function surfaceViolations(root, workspace, surface, files) {
  const src = join(root, workspace, 'src');
  const out = [];
  for (const file of files) {
    const path = relative(src, file);
    if (TEST.test(file) || !file.startsWith(src + sep) || !path.includes(sep)) continue;
    if (surface.files.test(path.split(sep).join('/'))) continue;
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), specifier))
        .split(sep)
        .join('/');
      if (surface.files.test(`${target}.ts`) || surface.files.test(target)) {
        out.push(
          `${relative(root, file)}: imports ${specifier} — ${target} is ${surface.what}: only its like, a test or a root file imports one`,
        );
      }
    }
  }
  return out;
}

/** Imports of a pure workspace (tests included: they run in the same place) that would take server code into the browser. */
function impurities(root, workspace, files) {
  const out = [];
  for (const file of files) {
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const builtin = specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');
      if (builtin || specifier.startsWith('@floe/'))
        out.push(
          `${relative(root, file)}: imports ${specifier} — ${workspace} is browser-safe pure logic: no Node built-in, no other workspace`,
        );
    }
  }
  return out;
}

/** Imports of packages a workspace's package.json does not declare (the root's dev tools count for all). */
function undeclared(root, workspace, files, rootDeclared) {
  const manifest = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8'));
  const declared = new Set([
    manifest.name,
    ...rootDeclared,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const out = [];
  for (const file of files) {
    const missing = new Set();
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const name = packageOf(specifier);
      if (name !== undefined && !declared.has(name)) missing.add(name);
    }
    for (const name of missing) {
      out.push(`${relative(root, file)}: imports ${name}, which ${workspace}/package.json does not declare`);
    }
  }
  return out;
}

/** The workspaces of the repository at `root` (its package.json's workspaces globs of the form dir/*). */
export function workspaces(root) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return manifest.workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory() && readdirSync(join(root, parent, e.name)).includes('package.json'))
      .map((e) => `${parent}/${e.name}`);
  });
}

/** Every violation of the import rules in the repository at `root`, one line each. */
export function checkImports(root, layers = LAYERS, pure = PURE_WORKSPACES, surfaces = SURFACES) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const rootDeclared = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  const out = [];
  for (const workspace of workspaces(root)) {
    const files = sourceFiles(join(root, workspace));
    if (layers[workspace] !== undefined)
      out.push(...layerViolations(root, workspace, layers[workspace], files));
    if (surfaces[workspace] !== undefined)
      out.push(...surfaceViolations(root, workspace, surfaces[workspace], files));
    if (pure.includes(workspace)) out.push(...impurities(root, workspace, files));
    out.push(...undeclared(root, workspace, files, rootDeclared));
  }
  return out;
}
