import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@floe/db';
import {
  API_TOKEN_PREFIX,
  agentQueueName,
  type EnrollmentFor,
  enrollmentSchema,
  INSTALL_TOKEN_PREFIX,
  QUEUE_PREFIX,
} from '@floe/protocol';
import type { Redis } from 'ioredis';
import { everyMinute } from '../background/every-minute';
import { agentRedisUser, deleteAgentAclUser, setAgentAclUser } from './redis-acl';
import { newToken, sha256, tokenHint } from './tokens';

export const INSTALL_TOKEN_HOURS = 24;

export class EnrollmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnrollmentError';
  }
}

/**
 * How the agents of this control plane reach their jobs: through its HTTPS API (the default, and the only
 * choice for a shared control plane: no agent holds a Redis login), or, for a single-tenant install,
 * straight to BullMQ at `redisUrl` as their own Redis ACL user.
 */
export type TransportSetting = { transport: 'https' } | { transport: 'bullmq'; redisUrl: string };

export const HTTPS_TRANSPORT = { transport: 'https' } as const satisfies TransportSetting;

/** Registers an agent and returns its one-time install token (shown to the admin once). */
export async function createAgent(db: PrismaClient, organizationId: string, name: string, now = new Date()) {
  const id = `ag-${randomBytes(5).toString('hex')}`;
  const installToken = newToken(INSTALL_TOKEN_PREFIX);
  const agent = await db.agent.create({
    data: { id, organizationId, name, ...installTokenFields(installToken, now) },
  });
  return { agent, installToken };
}

/**
 * A new one-time install token for an existing agent (a reinstall on a new machine): enrolling with it
 * issues new credentials, and the old ones stop working.
 */
export async function newInstallToken(db: PrismaClient, agentId: string, now = new Date()): Promise<string> {
  const installToken = newToken(INSTALL_TOKEN_PREFIX);
  await db.agent.update({
    where: { id: agentId, revokedAt: null },
    data: installTokenFields(installToken, now),
  });
  return installToken;
}

function installTokenFields(installToken: string, now: Date) {
  return {
    installTokenHash: sha256(installToken),
    installTokenExpiresAt: new Date(now.getTime() + INSTALL_TOKEN_HOURS * 3_600_000),
  };
}

/**
 * Issues a fresh API token, replacing any the agent had, and a Redis login only for a BullMQ agent: an
 * HTTPS agent's old login (from an install that used BullMQ) is deleted, and none is kept for it.
 */
async function issueCredentials<S extends TransportSetting>(
  db: PrismaClient,
  redis: Redis,
  agentId: string,
  setting: S,
): Promise<EnrollmentFor<S['transport']>> {
  const apiToken = newToken(API_TOKEN_PREFIX);
  const token = { apiTokenHash: sha256(apiToken), apiTokenPrefix: tokenHint(apiToken) };
  if (setting.transport === 'https') {
    await db.agent.update({ where: { id: agentId }, data: { ...token, redisPasswordHash: null } });
    await deleteAgentAclUser(redis, agentId);
    return enrollmentSchema.parse({ transport: 'https', agentId, apiToken }) as EnrollmentFor<S['transport']>;
  }
  const redisPassword = randomBytes(24).toString('base64url');
  const redisPasswordHash = sha256(redisPassword);
  await db.agent.update({ where: { id: agentId }, data: { ...token, redisPasswordHash } });
  await setAgentAclUser(redis, agentId, redisPasswordHash);
  return enrollmentSchema.parse({
    transport: 'bullmq',
    agentId,
    apiToken,
    redis: {
      url: withoutLogin(setting.redisUrl),
      username: agentRedisUser(agentId),
      password: redisPassword,
    },
    queue: { prefix: QUEUE_PREFIX, name: agentQueueName(agentId) },
  }) as EnrollmentFor<S['transport']>;
}

/** Where agents reach Redis, without the control plane's own login. */
function withoutLogin(redisUrl: string): string {
  const url = new URL(redisUrl);
  url.username = '';
  url.password = '';
  return url.toString();
}

/** Creates an agent pool and returns its enrollment token (shown to the admin once). */
export async function createAgentPool(db: PrismaClient, organizationId: string, name: string) {
  const enrollmentToken = newToken(INSTALL_TOKEN_PREFIX);
  const pool = await db.agentPool.create({
    data: {
      id: `ap-${randomBytes(5).toString('hex')}`,
      organizationId,
      name,
      enrollmentTokenHash: sha256(enrollmentToken),
    },
  });
  return { pool, enrollmentToken };
}

/** A new enrollment token for a pool: the old one stops enrolling; members already enrolled keep theirs. */
export async function newPoolEnrollmentToken(db: PrismaClient, poolId: string): Promise<string> {
  const enrollmentToken = newToken(INSTALL_TOKEN_PREFIX);
  await db.agentPool.update({
    where: { id: poolId },
    data: { enrollmentTokenHash: sha256(enrollmentToken) },
  });
  return enrollmentToken;
}

/**
 * Exchanges a one-time install token for the agent's own credentials, for the transport the setting
 * names. A pool's enrollment token (the same form) is not spent: every use enrolls a new member of
 * the pool with its own identity and credentials (each replica of a Deployment, each pod replacing one).
 */
export async function enrollAgent<S extends TransportSetting = typeof HTTPS_TRANSPORT>(
  db: PrismaClient,
  redis: Redis,
  installToken: string,
  setting: S = HTTPS_TRANSPORT as S,
  now = new Date(),
) {
  const agent = await db.agent.findUnique({ where: { installTokenHash: sha256(installToken) } });
  if (!agent) {
    const pool = await db.agentPool.findUnique({ where: { enrollmentTokenHash: sha256(installToken) } });
    if (pool) return issueCredentials(db, redis, (await enrollPoolMember(db, pool, now)).id, setting);
  }
  if (!agent || agent.revokedAt)
    throw new EnrollmentError('this install token is not valid: create a new one on the Agents page');
  if (!agent.installTokenExpiresAt || agent.installTokenExpiresAt <= now) {
    throw new EnrollmentError('this install token has expired: create a new one on the Agents page');
  }
  // Spend the token first, so a token replayed concurrently cannot enroll twice.
  const spent = await db.agent.updateMany({
    where: { id: agent.id, installTokenHash: agent.installTokenHash },
    data: { installTokenHash: null, installTokenExpiresAt: null, enrolledAt: now },
  });
  if (spent.count !== 1) throw new EnrollmentError('this install token was already used');
  return issueCredentials(db, redis, agent.id, setting);
}

/** A new member of the pool, enrolled now and named after it (`<pool>-<6 hex>`). */
function enrollPoolMember(
  db: PrismaClient,
  pool: { id: string; organizationId: string; name: string },
  now: Date,
) {
  const suffix = randomBytes(3).toString('hex');
  return db.agent.create({
    data: {
      id: `ag-${randomBytes(5).toString('hex')}`,
      organizationId: pool.organizationId,
      name: `${pool.name}-${suffix}`,
      poolId: pool.id,
      enrolledAt: now,
    },
  });
}

/** New credentials for an enrolled agent; the old ones stop working at once. */
export async function rotateAgentCredentials<S extends TransportSetting = typeof HTTPS_TRANSPORT>(
  db: PrismaClient,
  redis: Redis,
  agentId: string,
  setting: S = HTTPS_TRANSPORT as S,
) {
  const agent = await db.agent.findUniqueOrThrow({ where: { id: agentId } });
  if (agent.revokedAt || !agent.enrolledAt)
    throw new EnrollmentError('only an enrolled, active agent can rotate credentials');
  await deleteAgentAclUser(redis, agentId);
  return issueCredentials(db, redis, agentId, setting);
}

/** Cuts the agent off: its Redis user and connections are gone and its API token is refused. */
export async function revokeAgent(db: PrismaClient, redis: Redis, agentId: string, now = new Date()) {
  await db.agent.update({
    where: { id: agentId },
    data: { revokedAt: now, apiTokenHash: null, installTokenHash: null, redisPasswordHash: null },
  });
  await deleteAgentAclUser(redis, agentId);
}

/** The active agent an API token belongs to, or null. */
export async function authenticateAgent(db: PrismaClient, apiToken: string) {
  if (!apiToken.startsWith(API_TOKEN_PREFIX)) return null;
  const agent = await db.agent.findUnique({ where: { apiTokenHash: sha256(apiToken) } });
  return agent && !agent.revokedAt ? agent : null;
}

/**
 * Re-creates every active agent's ACL user from the stored hashes: Redis keeps ACLs in memory,
 * so the control plane runs this when it starts and after Redis restarts.
 */
export async function syncAgentAclUsers(db: PrismaClient, redis: Redis, { missingOnly = false } = {}) {
  const agents = await db.agent.findMany({ where: { revokedAt: null, redisPasswordHash: { not: null } } });
  const present = new Set(missingOnly ? ((await redis.call('ACL', 'USERS')) as string[]) : []);
  const restore = agents.filter((agent) => !present.has(agentRedisUser(agent.id)));
  for (const agent of restore) await setAgentAclUser(redis, agent.id, agent.redisPasswordHash as string);
  return restore.length;
}

/**
 * Keeps every active agent's Redis login in place: when the control plane starts, whenever its Redis
 * connection is made again (a restarted Redis has forgotten every ACL user), and every minute (a
 * Redis restarted behind a proxy, unseen by this connection). Only missing users are re-created, so
 * live agent connections are left alone. Returns a function that stops it.
 */
export function startAgentAclKeeper(
  db: PrismaClient,
  redis: () => Redis,
  log: (message: string) => void = console.error,
) {
  const restore = async () => {
    const restored = await syncAgentAclUsers(db, redis(), { missingOnly: true });
    if (restored > 0) log(`agent Redis logins: re-created ${restored} that Redis had lost`);
  };
  const onReady = () =>
    void restore().catch((error) => log(`agent Redis logins: ${(error as Error).message}`));
  redis().on('ready', onReady);
  if (redis().status === 'ready') onReady();
  const stop = everyMinute('agent Redis logins', restore, log);
  return () => {
    stop();
    redis().off('ready', onReady);
  };
}
