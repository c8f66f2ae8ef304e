import { connect } from 'node:net';
import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { agentQueueName, type EnrollmentFor, QUEUE_PREFIX } from '@floe/protocol';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateAgent,
  createAgent,
  EnrollmentError,
  enrollAgent,
  revokeAgent,
  rotateAgentCredentials,
  startAgentAclKeeper,
  syncAgentAclUsers,
} from './enrollment';

type AgentCredentials = EnrollmentFor<'bullmq'>;
/** These agents use BullMQ directly (a single-tenant install), as their own Redis users. */
const BULLMQ = { transport: 'bullmq', redisUrl: process.env.REDIS_URL as string } as const;
const adminUrl = new URL(process.env.REDIS_URL as string);
const redisAt = { host: adminUrl.hostname, port: Number(adminUrl.port) };

/** A connection as the agent would open it: its own ACL user, no INFO ready check. */
function connectAs(credentials: AgentCredentials) {
  return new Redis({
    ...redisAt,
    username: credentials.redis.username,
    password: credentials.redis.password,
    enableReadyCheck: false,
    maxRetriesPerRequest: null,
    lazyConnect: true,
    retryStrategy: () => null,
  });
}

/** AUTH as the agent over a bare socket: resolves with Redis's one-line answer (`+OK` or `-WRONGPASS …`). */
function authAs(credentials: AgentCredentials): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(redisAt, () =>
      socket.write(`AUTH ${credentials.redis.username} ${credentials.redis.password}\r\n`),
    );
    socket.once('data', (reply) => {
      socket.destroy();
      resolve(reply.toString().trim());
    });
    socket.once('error', reject);
  });
}

const waitUntil = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
};

describe('agent enrollment and per-agent Redis ACLs (real Postgres and Redis)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let admin: Redis;
  let orgId: string;
  let a: AgentCredentials;
  let b: AgentCredentials;
  const opened: Redis[] = [];
  const open = (credentials: AgentCredentials) => {
    const connection = connectAs(credentials);
    opened.push(connection);
    return connection;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    admin = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    orgId = (await db.organization.create({ data: { slug: 'acme', name: 'Acme' } })).id;
    const first = await createAgent(db, orgId, 'eu-prod');
    const second = await createAgent(db, orgId, 'us-prod');
    a = await enrollAgent(db, admin, first.installToken, BULLMQ);
    b = await enrollAgent(db, admin, second.installToken, BULLMQ);
  });

  afterAll(async () => {
    for (const c of opened) c.disconnect();
    for (const creds of [a, b])
      if (creds) await admin.call('ACL', 'DELUSER', creds.redis.username).catch(() => {});
    admin?.disconnect();
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('stores only hashes of the tokens and the Redis password', async () => {
    const row = await db.agent.findUniqueOrThrow({ where: { id: a.agentId } });
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(a.apiToken);
    expect(stored).not.toContain(a.redis.password);
    expect(row.apiTokenPrefix).toMatch(/^floe_at_.{4}…$/);
    expect((await authenticateAgent(db, a.apiToken))?.id).toBe(a.agentId);
  });

  it('gives an HTTPS agent (the default) an API token and no Redis login, not even after a sync', async () => {
    const https = await enrollAgent(db, admin, (await createAgent(db, orgId, 'https-only')).installToken);
    expect(https).toEqual({ transport: 'https', agentId: https.agentId, apiToken: https.apiToken });
    await syncAgentAclUsers(db, admin);
    expect((await admin.call('ACL', 'USERS')) as string[]).not.toContain(`agent-${https.agentId}`);
    expect((await authenticateAgent(db, https.apiToken))?.id).toBe(https.agentId);
  });

  it('refuses an install token twice, and an expired one', async () => {
    const { installToken } = await createAgent(db, orgId, 'once');
    await enrollAgent(db, admin, installToken);
    await expect(enrollAgent(db, admin, installToken)).rejects.toThrow(EnrollmentError);
    const expired = await createAgent(db, orgId, 'late', new Date(Date.now() - 25 * 3_600_000));
    await expect(enrollAgent(db, admin, expired.installToken)).rejects.toThrow(/expired/);
  });

  it('lets an agent run BullMQ on its own queue with its own credentials', async () => {
    const queue = new Queue(agentQueueName(a.agentId), {
      connection: open(a),
      prefix: QUEUE_PREFIX,
      skipVersionCheck: true,
    });
    const worker = new Worker(agentQueueName(a.agentId), async (job) => ({ echoed: job.data.n }), {
      connection: open(a),
      prefix: QUEUE_PREFIX,
      skipVersionCheck: true,
    });
    try {
      const job = await queue.add('ping', { n: 42 });
      expect(await waitUntil(async () => (await job.isCompleted()) === true)).toBe(true);
      expect((await queue.getJob(job.id as string))?.returnvalue).toEqual({ echoed: 42 });
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it("denies agent A every BullMQ operation on agent B's queue", async () => {
    const intruder = new Queue(agentQueueName(b.agentId), {
      connection: open(a),
      prefix: QUEUE_PREFIX,
      skipVersionCheck: true,
    });
    try {
      await expect(intruder.add('steal', {})).rejects.toThrow(/NOPERM/);
      await expect(intruder.getJobs(['waiting', 'completed', 'failed'])).rejects.toThrow(/NOPERM/);
      await expect(intruder.getJobCounts()).rejects.toThrow(/NOPERM/);
      await expect(intruder.pause()).rejects.toThrow(/NOPERM/);
      await expect(intruder.obliterate({ force: true })).rejects.toThrow(/NOPERM/);
    } finally {
      await intruder.close().catch(() => {});
    }
  });

  it.each([
    ['GET', ['floe:agent-B:meta']],
    ['HGETALL', ['floe:agent-B:1']],
    ['KEYS', ['*']],
    ['SCAN', ['0']],
    ['CONFIG', ['GET', '*']],
    ['FLUSHALL', []],
    ['INFO', []],
    ['ACL', ['LIST']],
    ['SUBSCRIBE', ['floe']],
  ])('denies agent A the raw command %s on anything not its own', async (command, args) => {
    const connection = open(a);
    const realArgs = args.map((x) => x.replace('agent-B', agentQueueName(b.agentId)));
    await expect(connection.call(command, ...realArgs)).rejects.toThrow(/NOPERM|no permissions/i);
  });

  it('denies a Lua script that declares another agent’s key', async () => {
    const connection = open(a);
    const key = `${QUEUE_PREFIX}:${agentQueueName(b.agentId)}:wait`;
    await expect(connection.eval("return redis.call('LLEN', KEYS[1])", 1, key)).rejects.toThrow(
      /NOPERM|no permissions/i,
    );
  });

  it('rotates credentials: the old Redis password and API token stop working at once', async () => {
    const old = b;
    b = await rotateAgentCredentials(db, admin, b.agentId, BULLMQ);
    expect(await authAs(old)).toMatch(/^-WRONGPASS/);
    expect(await authAs(b)).toBe('+OK');
    expect(await authenticateAgent(db, old.apiToken)).toBeNull();
    expect((await authenticateAgent(db, b.apiToken))?.id).toBe(b.agentId);
  });

  it('re-creates ACL users from stored hashes after Redis forgot them (restart)', async () => {
    await admin.call('ACL', 'DELUSER', b.redis.username);
    expect(await authAs(b)).toMatch(/^-WRONGPASS/);
    expect(await syncAgentAclUsers(db, admin)).toBeGreaterThanOrEqual(2);
    expect(await authAs(b)).toBe('+OK');
  });

  it('keeps agent logins: a new control-plane connection (Redis restarted) re-creates the lost ones, live ones untouched', async () => {
    const live = open(a);
    await live.connect();
    await admin.call('ACL', 'DELUSER', b.redis.username);
    const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const logged: string[] = [];
    const stop = startAgentAclKeeper(
      db,
      () => connection,
      (m) => logged.push(m),
    );
    try {
      expect(await waitUntil(async () => (await authAs(b)) === '+OK', 10_000)).toBe(true);
      expect(logged).toEqual(['agent Redis logins: re-created 1 that Redis had lost']);
      expect(await live.call('PING')).toBe('PONG');
    } finally {
      stop();
      connection.disconnect();
      live.disconnect();
    }
  });

  it('revocation closes the agent’s open connection and refuses it from then on', async () => {
    const live = open(a);
    await live.connect();
    expect(await live.call('PING')).toBe('PONG');
    await revokeAgent(db, admin, a.agentId);
    expect(await waitUntil(() => live.status === 'end' || live.status === 'close', 10_000)).toBe(true);
    expect(await authAs(a)).toMatch(/^-WRONGPASS/);
    expect(await authenticateAgent(db, a.apiToken)).toBeNull();
  });
});
