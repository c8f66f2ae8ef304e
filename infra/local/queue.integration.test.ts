import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

describe('Redis: a BullMQ job enqueued here is processed by a worker in another process', () => {
  const queueName = `stack-test-${randomBytes(4).toString('hex')}`;
  const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const worker = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/echo-worker.mjs'), queueName], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const queue = new Queue(queueName, { connection, prefix: 'floe' });
  const events = new QueueEvents(queueName, { connection: connection.duplicate(), prefix: 'floe' });

  afterAll(async () => {
    worker.kill('SIGTERM');
    await queue.obliterate({ force: true });
    await Promise.all([queue.close(), events.close()]);
    connection.disconnect();
  });

  it('runs the job in the worker process and returns its result', async () => {
    await new Promise<void>((ready) =>
      worker.stdout?.on('data', (d) => d.toString().includes('ready') && ready()),
    );
    await events.waitUntilReady();
    const job = await queue.add('echo', { hello: 'floe', n: 7 });
    const result = await job.waitUntilFinished(events, 30_000);
    expect(result).toEqual({ pid: worker.pid, echoed: { hello: 'floe', n: 7 } });
    expect(result.pid).not.toBe(process.pid);
  });
});
