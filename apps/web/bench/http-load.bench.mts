// Benchmark (not a test): the control plane over loopback HTTP at 10,000 pipelines in 100
// organizations: the dashboard's tRPC calls as a signed-in browser makes them, and agents' event
// batches. Bounded: a few clients at a time, a fixed number of requests, 127.0.0.1 only.
// Needs the built app (npm run build -w @floe/web). Run: npm run bench -w @floe/web
// Results: bench/results/http-load-<date>.md

import { execSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashPassword } from '@floe/auth';
import { createPrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { API_TOKEN_PREFIX } from '@floe/protocol';
import { loadStackEnv } from '../../../infra/local/env.mjs';
import { startWebApp } from '../src/testing/next-server';

Object.assign(process.env, { ...loadStackEnv(), ...process.env });

const ORGS = 100;
const PIPELINES_PER_ORG = 100;
/** Signed-in users whose organizations the dashboard calls go to (each sign-in costs a bcrypt). */
const BROWSERS = 20;
const REQUESTS = 300;
const WARM_UP = 20;
const CONCURRENCY = 4;
const EVENTS_PER_BATCH = 20;
const PASSWORD = 'bench password 1';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function spec(id: string, name: string) {
  return {
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
  };
}

/** Organizations, their owner, agent (with an API token) and pipelines; returns who is who. */
async function seed(db: ReturnType<typeof createPrismaClient>) {
  const passwordHash = await hashPassword(PASSWORD);
  const orgs: { slug: string; email: string; agentToken: string; pipelineIds: string[] }[] = [];
  for (let o = 0; o < ORGS; o++) {
    const slug = `org-${o}`;
    const email = `u${o}@bench.test`;
    const agentToken = `${API_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const org = await db.organization.create({ data: { slug, name: `Org ${o}` } });
    const user = await db.user.create({ data: { email, passwordHash } });
    await db.membership.create({ data: { organizationId: org.id, userId: user.id, role: 'OWNER' } });
    await db.agent.create({
      data: {
        id: `ag-${o}`,
        organizationId: org.id,
        name: 'agent',
        enrolledAt: new Date(),
        apiTokenHash: sha256(agentToken),
        apiTokenPrefix: API_TOKEN_PREFIX,
      },
    });
    const pipelineIds = Array.from({ length: PIPELINES_PER_ORG }, (_, p) => `pl-${o}-${p}`);
    await db.pipeline.createMany({
      data: pipelineIds.map((id, p) => ({
        id,
        organizationId: org.id,
        name: `p${p}`,
        status: 'RUNNING' as const,
        agentId: `ag-${o}`,
        currentVersion: 1,
      })),
    });
    await db.pipelineVersion.createMany({
      data: pipelineIds.map((id, p) => ({
        pipelineId: id,
        version: 1,
        spec: spec(id, `p${p}`),
        createdById: user.id,
      })),
    });
    orgs.push({ slug, email, agentToken, pipelineIds });
  }
  return orgs;
}

/** A browser's session cookie, by next-auth's own credentials sign-in. */
async function signIn(baseUrl: string, email: string): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(';')[0]);
  const answer = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD, json: 'true' }),
  });
  const session = answer.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='));
  if (!session) throw new Error(`signing in ${email} failed (${answer.status})`);
  return session.split(';')[0] as string;
}

/** Runs `request(i)` for i < total, CONCURRENCY at a time; the latency of each after the warm-up. */
async function measure(total: number, request: (i: number) => Promise<Response>) {
  const times: number[] = [];
  let next = 0;
  const client = async () => {
    while (next < total + WARM_UP) {
      const i = next++;
      const start = performance.now();
      const response = await request(i);
      const body = await response.text();
      if (!response.ok) throw new Error(`${response.status}: ${body.slice(0, 300)}`);
      if (i >= WARM_UP) times.push(performance.now() - start);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(1);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), perSecond: ((total + WARM_UP) / seconds).toFixed(0) };
}

const scratch = await createScratchDatabase();
scratch.migrate();
const db = createPrismaClient(scratch.url);
const app = await startWebApp({ DATABASE_URL: scratch.url });
try {
  console.log(`seeding ${ORGS} organizations × ${PIPELINES_PER_ORG} pipelines…`);
  const orgs = await seed(db);
  const browsers: { slug: string; cookie: string }[] = [];
  for (const org of orgs.slice(0, BROWSERS))
    browsers.push({ slug: org.slug, cookie: await signIn(app.url, org.email) });

  const trpc = (path: string, input: unknown, i: number) => {
    const browser = browsers[i % browsers.length] as { slug: string; cookie: string };
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
    return fetch(`${app.url}/api/trpc/${path}${query}`, { headers: { cookie: browser.cookie } });
  };
  const slugOf = (i: number) => (browsers[i % browsers.length] as { slug: string; cookie: string }).slug;
  const calls: [string, (i: number) => Promise<Response>][] = [
    ['org.mine', (i) => trpc('org.mine', undefined, i)],
    ['org.get', (i) => trpc('org.get', { orgSlug: slugOf(i) }, i)],
    ['pipeline.list', (i) => trpc('pipeline.list', { orgSlug: slugOf(i) }, i)],
    ['agent.list', (i) => trpc('agent.list', { orgSlug: slugOf(i) }, i)],
    ['connection.list', (i) => trpc('connection.list', { orgSlug: slugOf(i) }, i)],
    [
      'pipeline.metrics',
      (i) => trpc('pipeline.metrics', { orgSlug: slugOf(i), pipelineId: `pl-${i % browsers.length}-0` }, i),
    ],
  ];
  const rows: string[] = [];
  for (const [name, call] of calls) {
    const r = await measure(REQUESTS, call);
    rows.push(`| ${name} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.perSecond} |`);
    console.log(`${name}: p50 ${r.p50} ms, p95 ${r.p95} ms, ${r.perSecond}/s`);
  }

  // Each agent reports commits of its own pipelines, EVENTS_PER_BATCH to a batch, as an agent does.
  const batch = (i: number) => {
    const org = orgs[i % orgs.length] as (typeof orgs)[number];
    const now = Date.now();
    const events = Array.from({ length: EVENTS_PER_BATCH }, (_, e) => ({
      type: 'commit.report',
      pipelineId: org.pipelineIds[(i * EVENTS_PER_BATCH + e) % PIPELINES_PER_ORG],
      table: 'bench.p',
      snapshotId: String(now + e),
      committedAtMs: now,
      records: 1000,
      bytes: 100_000,
      dataFiles: 1,
      deadLettered: 0,
      partitions: [
        {
          topic: 'p.v1',
          partition: 0,
          committedOffset: String(i * 1000),
          logEndOffset: String(i * 1000),
          newestCommittedRecordMs: now,
        },
      ],
    }));
    return fetch(`${app.url}/api/agents/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ protocolVersion: 1, sentAtMs: now, events }),
    });
  };
  const ingest = await measure(REQUESTS, batch);
  const eventsPerSecond = Number(ingest.perSecond) * EVENTS_PER_BATCH;
  rows.push(
    `| agent events (batch of ${EVENTS_PER_BATCH}) | ${ingest.p50} | ${ingest.p95} | ${ingest.p99} | ${ingest.perSecond} (${eventsPerSecond} events/s) |`,
  );
  console.log(`events: p50 ${ingest.p50} ms, p95 ${ingest.p95} ms, ${eventsPerSecond} events/s`);
  const stored = await db.agentEvent.count();

  const date = new Date().toISOString();
  const report = `# Control plane over loopback HTTP, ${ORGS * PIPELINES_PER_ORG} pipelines in ${ORGS} organizations

- date: ${date}
- machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version} (shared with other work: read the figures as an upper bound)
- database: ${execSync('psql --version').toString().trim()} (local stack), Prisma with the pg adapter
- server: \`next start\` of the built apps/web on 127.0.0.1 (proxy with body limits and headers, next-auth session, tRPC)
- method: ${REQUESTS} requests per row after ${WARM_UP} warm-up, ${CONCURRENCY} clients at a time; dashboard calls as ${BROWSERS} signed-in owners (cookie sessions) of their organizations; agent event batches of ${EVENTS_PER_BATCH} commit reports from each organization's agent in turn (${stored} events stored)

| call | p50 ms | p95 ms | p99 ms | requests/s |
|---|---|---|---|---|
${rows.join('\n')}
`;
  const file = resolve(import.meta.dirname, `../../../bench/results/http-load-${date.slice(0, 10)}.md`);
  writeFileSync(file, report);
  console.log(`wrote ${file}`);
} finally {
  await app.stop();
  await db.$disconnect();
  await scratch.drop();
}
