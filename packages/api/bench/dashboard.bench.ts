// Benchmark (not a test): the dashboard's tRPC calls against 10,000 pipelines in 100 orgs.
// Run: npm run bench -w @floe/api   Results: bench/results/dashboard-<date>.md
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { loadStackEnv } from '@floe/local-stack';
import { appRouter } from '../src/root';
import { createCallerFactory } from '../src/trpc';

// The local stack's settings, unless the caller gave others.
Object.assign(process.env, { ...loadStackEnv(), ...process.env });

const ORGS = 100;
const PIPELINES_PER_ORG = 100;
const SAMPLES = 300;

const spec = (id: string, name: string) => ({
  id,
  name,
  version: 1,
  source: {
    bootstrapServers: ['b:9092'],
    security: { protocol: 'PLAINTEXT' },
    topics: [`${name}.v1`],
    startFrom: 'earliest',
  },
  format: { value: 'json', key: 'string' },
  table: {
    catalog: { type: 'rest', uri: 'http://catalog:8181', warehouse: 's3://lake/' },
    namespace: ['bench'],
    name,
    partitionBy: [{ source: 'ts', transform: 'day' }],
    storage: { bucket: 'lake', prefix: '', region: 'eu-west-1' },
  },
  mapping: { kafkaMetadata: true, rename: {}, timestamps: [] },
  schemaPolicy: 'evolve',
  commit: { intervalSeconds: 10, targetFileSizeBytes: 134217728 },
  deadLetter: { policy: 'pause' },
});

const scratch = await createScratchDatabase();
scratch.migrate();
const db = createPrismaClient(scratch.url);
try {
  console.log(`seeding ${ORGS} organizations × ${PIPELINES_PER_ORG} pipelines…`);
  const users: string[] = [];
  for (let o = 0; o < ORGS; o++) {
    const org = await db.organization.create({ data: { slug: `org-${o}`, name: `Org ${o}` } });
    const user = await db.user.create({ data: { email: `u${o}@bench.test` } });
    users.push(user.id);
    await db.membership.create({ data: { organizationId: org.id, userId: user.id, role: 'OWNER' } });
    await db.agent.create({ data: { id: `ag-${o}`, organizationId: org.id, name: 'agent' } });
    const ids = Array.from({ length: PIPELINES_PER_ORG }, (_, p) => `pl-${o}-${p}`);
    await db.pipeline.createMany({
      data: ids.map((id, p) => ({
        id,
        organizationId: org.id,
        name: `p${p}`,
        status: 'RUNNING',
        agentId: `ag-${o}`,
        currentVersion: 1,
      })),
    });
    await db.pipelineVersion.createMany({
      data: ids.map((id, p) => ({
        pipelineId: id,
        version: 1,
        spec: spec(id, `p${p}`),
        createdById: user.id,
      })),
    });
  }
  const createCaller = createCallerFactory(appRouter);
  const calls = {
    'org.get': (c: ReturnType<typeof createCaller>, s: string) => c.org.get({ orgSlug: s }),
    'pipeline.list': (c: ReturnType<typeof createCaller>, s: string) => c.pipeline.list({ orgSlug: s }),
    'agent.list': (c: ReturnType<typeof createCaller>, s: string) => c.agent.list({ orgSlug: s }),
    'connection.list': (c: ReturnType<typeof createCaller>, s: string) => c.connection.list({ orgSlug: s }),
  };
  const rows: string[] = [];
  for (const [name, call] of Object.entries(calls)) {
    const times: number[] = [];
    for (let i = 0; i < SAMPLES + 20; i++) {
      const o = i % ORGS;
      const caller = createCaller({ db, session: { userId: users[o] as string } });
      const start = performance.now();
      await call(caller, `org-${o}`);
      if (i >= 20) times.push(performance.now() - start); // the first 20 warm up
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => (times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(1);
    rows.push(`| ${name} | ${at(0.5)} | ${at(0.95)} | ${at(0.99)} |`);
    console.log(`${name}: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`);
  }
  const date = new Date().toISOString();
  const cpu = cpus()[0]?.model ?? 'unknown';
  const report = `# Dashboard tRPC calls, ${ORGS * PIPELINES_PER_ORG} pipelines in ${ORGS} organizations

- date: ${date}
- machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}
- database: ${execSync('psql --version').toString().trim()} (local stack, fsync off), Prisma with the pg adapter
- method: in-process tRPC callers (middleware, membership check, query, output validation), ${SAMPLES} samples each after 20 warm-up calls, one caller at a time
- aim: p95 ≤ 50 ms

| call | p50 ms | p95 ms | p99 ms |
|---|---|---|---|
${rows.join('\n')}
`;
  const file = resolve(import.meta.dirname, `../../../bench/results/dashboard-${date.slice(0, 10)}.md`);
  writeFileSync(file, report);
  console.log(`wrote ${file}`);
} finally {
  await db.$disconnect();
  await scratch.drop();
}
