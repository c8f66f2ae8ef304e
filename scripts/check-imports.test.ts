import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImports } from './lib/import-rules.mjs';

// The import rules run on small repositories written for each test, with violations planted in them.

const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A repository of workspaces under packages/, from file path → content (objects are written as JSON). */
function repo(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), 'floe-imports-'));
  roots.push(root);
  const all = { 'package.json': { workspaces: ['packages/*'], devDependencies: { vitest: '4' } }, ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const iceberg = { name: '@floe/iceberg', dependencies: { zod: '4' } };

describe('import rules', () => {
  it('accepts imports downwards, within a layer, from tests and from the package index', () => {
    const root = repo({
      'packages/iceberg/package.json': iceberg,
      'packages/iceberg/src/index.ts': "export * from './maintenance/expire';",
      'packages/iceberg/src/maintenance/expire.ts': "import { a } from '../transaction/commit';",
      'packages/iceberg/src/transaction/commit.ts':
        "import { b } from '../catalog/catalog';\nimport { z } from 'zod';",
      'packages/iceberg/src/catalog/catalog.ts':
        "import { readFileSync } from 'node:fs';\nimport path from 'path';",
      'packages/iceberg/src/catalog/glue/glue.ts': "import { r } from '../../reader/reachable';",
      'packages/iceberg/src/reader/reachable.ts': "import { w } from '../writer/arrow';",
      'packages/iceberg/src/transaction/commit.test.ts':
        "import { e } from '../maintenance/expire';\nimport 'vitest';",
      'packages/api/package.json': { name: '@floe/api' },
      'packages/api/src/root.ts': "import { orgRouter } from './orgs/router';",
      'packages/api/src/contracts/router.ts':
        "import { alertsRouter } from './alerts/router';\nimport { recordId } from '../record-id';",
      'packages/api/src/contracts/alerts/router.ts': "import { post } from './post';",
      'packages/api/src/contracts/isolation.test.ts':
        "import { MAX } from './alerts/router';\nimport 'vitest';",
    });
    expect(checkImports(root)).toEqual([]);
  });

  it('fails on a planted wrong-way import, naming the file and both layers', () => {
    const root = repo({
      'packages/iceberg/package.json': iceberg,
      'packages/iceberg/src/transaction/branch.ts': "import { ancestors } from '../maintenance/retention';",
      'packages/iceberg/src/catalog/glue/glue.ts':
        "export { deleteFiles } from '../../maintenance/delete-files';",
      'packages/iceberg/src/reader/read.ts': "const m = await import('../catalog/rest/rest');",
      'packages/api/package.json': { name: '@floe/api' },
      'packages/api/src/maintenance/scheduler.ts': "import type { AgentRouter } from '../agents/router';",
      'packages/api/src/contracts/alerts/post.ts': "export { alertsRouter } from './router.ts';",
    });
    expect(checkImports(root).sort()).toEqual([
      "packages/api/src/contracts/alerts/post.ts: imports ./router.ts — contracts/alerts/router.ts is a router, the API's surface: only its like, a test or a root file imports one",
      "packages/api/src/maintenance/scheduler.ts: imports ../agents/router — agents/router is a router, the API's surface: only its like, a test or a root file imports one",
      'packages/iceberg/src/catalog/glue/glue.ts: imports ../../maintenance/delete-files — catalog/glue/ may not import from maintenance/, a layer above it',
      'packages/iceberg/src/reader/read.ts: imports ../catalog/rest/rest — reader/ may not import from catalog/rest/, a layer above it',
      'packages/iceberg/src/transaction/branch.ts: imports ../maintenance/retention — transaction/ may not import from maintenance/, a layer above it',
    ]);
  });

  it('keeps the pure workspace browser-safe: no Node built-in, no other workspace, even declared', () => {
    const root = repo({
      'packages/pure/package.json': { name: '@floe/pure', dependencies: { '@floe/db': '*' } },
      'packages/pure/src/cron.ts': "import { z } from './schema';\nexport const now = () => Date.now();",
      'packages/pure/src/schema.ts': "import { readFileSync } from 'node:fs';\nimport path from 'path';",
      'packages/pure/src/proposal.ts': "import type { Db } from '@floe/db/client';",
    });
    expect(checkImports(root).sort()).toEqual([
      'packages/pure/src/proposal.ts: imports @floe/db/client — packages/pure is browser-safe pure logic: no Node built-in, no other workspace',
      'packages/pure/src/schema.ts: imports node:fs — packages/pure is browser-safe pure logic: no Node built-in, no other workspace',
      'packages/pure/src/schema.ts: imports path — packages/pure is browser-safe pure logic: no Node built-in, no other workspace',
    ]);
  });

  it('fails on a package a workspace imports without declaring it, but not on one named in a string', () => {
    const root = repo({
      'packages/protocol/package.json': { name: '@floe/protocol', dependencies: { zod: '4' } },
      'packages/protocol/src/jobs.ts': [
        "import { Queue } from 'bullmq';",
        "import { z } from 'zod';",
        "import type { Db } from '@floe/db/client';",
        "import { x } from '@floe/protocol/testing';",
        'const proto = `import "google/protobuf/timestamp.proto";`;',
      ].join('\n'),
    });
    expect(checkImports(root)).toEqual([
      'packages/protocol/src/jobs.ts: imports bullmq, which packages/protocol/package.json does not declare',
      'packages/protocol/src/jobs.ts: imports @floe/db, which packages/protocol/package.json does not declare',
    ]);
  });
});
