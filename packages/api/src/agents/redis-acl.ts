import { agentKeyPattern, assertAgentId } from '@floe/protocol';
import type { Redis } from 'ioredis';

/**
 * The commands a BullMQ worker and producer need on their own queue, and nothing else: no
 * KEYS/SCAN (which would list other agents' keys), no CONFIG, no FLUSH*, no INFO (BullMQ's
 * version check is skipped on the agent side), no pub/sub channels.
 */
const BULLMQ_COMMANDS = [
  'eval',
  'evalsha',
  'client|setname',
  'bzpopmin',
  'xread',
  'del',
  'exists',
  'get',
  'hdel',
  'hexists',
  'hget',
  'hgetall',
  'hincrby',
  'hlen',
  'hmget',
  'hmset',
  'hscan',
  'hset',
  'incr',
  'incrby',
  'lindex',
  'llen',
  'lpop',
  'lpos',
  'lpush',
  'lrange',
  'lrem',
  'lset',
  'ltrim',
  'persist',
  'pexpire',
  'pexpireat',
  'pttl',
  'rename',
  'rpop',
  'rpoplpush',
  'rpush',
  'sadd',
  'scard',
  'set',
  'sismember',
  'smembers',
  'srem',
  'sscan',
  'time',
  'type',
  'unlink',
  'xadd',
  'xdel',
  'xlen',
  'xrange',
  'xtrim',
  'zadd',
  'zcard',
  'zcount',
  'zlexcount',
  'zpopmin',
  'zrange',
  'zrangebylex',
  'zrangebyscore',
  'zrem',
  'zremrangebyrank',
  'zremrangebyscore',
  'zrevrange',
  'zrevrangebyscore',
  'zscore',
  'ping',
];

export function agentRedisUser(agentId: string): string {
  return `agent-${assertAgentId(agentId)}`;
}

/** Creates or replaces the agent's ACL user; `passwordSha256` so Redis never sees a stored plain password. */
export async function setAgentAclUser(redis: Redis, agentId: string, passwordSha256: string) {
  if (!/^[0-9a-f]{64}$/.test(passwordSha256))
    throw new Error('the ACL password must be a SHA-256 hex digest');
  await redis.call(
    'ACL',
    'SETUSER',
    agentRedisUser(agentId),
    'reset',
    'on',
    `#${passwordSha256}`,
    `~${agentKeyPattern(agentId)}`,
    'resetchannels',
    '-@all',
    ...BULLMQ_COMMANDS.map((c) => `+${c}`),
  );
}

/** Deletes the agent's ACL user; Redis also closes every connection it had open. */
export async function deleteAgentAclUser(redis: Redis, agentId: string) {
  await redis.call('ACL', 'DELUSER', agentRedisUser(agentId));
}
