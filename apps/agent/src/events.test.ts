import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_API_MAX_BODY_BYTES, type AgentEvent } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventReporter, fitMessage, RevokedError } from './events';

// Against a real HTTP endpoint standing where the control plane's events API stands.
let status = 200;
const received: AgentEvent[][] = [];
const bodyBytes: number[] = [];
const server: Server = createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  bodyBytes.push(Buffer.byteLength(body));
  if (status === 200) received.push(JSON.parse(body).events);
  res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
});
let url: URL;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const waitFor = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setTimeout(r, 20));
};

/** A commit report over `partitions` partitions of a topic with a name of `topicLength` characters. */
const commitReport = (n: number, partitions: number, topicLength = 40): AgentEvent => ({
  type: 'commit.report',
  pipelineId: 'p',
  table: 'db.events',
  snapshotId: String(n),
  committedAtMs: n,
  records: 1,
  bytes: 1,
  dataFiles: 1,
  deadLettered: 0,
  partitions: Array.from({ length: partitions }, (_, partition) => ({
    topic: 't'.repeat(topicLength),
    partition,
    committedOffset: '123456789',
    logEndOffset: '123456789',
    newestCommittedRecordMs: 1_764_000_000_000,
  })),
});

describe('EventReporter', () => {
  it('sends no request larger than the events endpoint takes, in order, whatever the events weigh', async () => {
    status = 200;
    const reporter = new EventReporter(url, 'floe_at_x');
    // 400 reports of ~18 KB: 500 of them at a time would be ~7 MB.
    for (let n = 0; n < 400; n += 1) reporter.report(commitReport(n, 128));
    const [before, sentBefore] = [received.length, bodyBytes.length];
    expect(await reporter.flush()).toBe(true);
    const batches = received.slice(before);
    expect(batches.length).toBeGreaterThan(2);
    expect(Math.max(...bodyBytes.slice(sentBefore))).toBeLessThanOrEqual(AGENT_API_MAX_BODY_BYTES.events);
    expect(batches.flat().map((e) => (e as { snapshotId: string }).snapshotId)).toEqual(
      Array.from({ length: 400 }, (_, n) => String(n)),
    );
  });

  it('drops, and says so, an event no request could carry, so that the events behind it still go', async () => {
    status = 200;
    const logged: string[] = [];
    const reporter = new EventReporter(url, 'floe_at_x', (m) => logged.push(m));
    reporter.report(commitReport(1, 10_000, 249));
    reporter.report({ type: 'job.started', jobId: 'behind' });
    expect(reporter.dropped).toBe(1);
    expect(logged).toEqual([
      expect.stringMatching(
        /^a commit\.report event of \d+ bytes is larger than one request may be; not sent$/,
      ),
    ]);
    expect(await reporter.flush()).toBe(true);
    expect(received.at(-1)).toEqual([{ type: 'job.started', jobId: 'behind' }]);
  });

  it('cuts a message too long for its field, saying how much it cut, instead of dropping the event', async () => {
    status = 200;
    const long = `${'x'.repeat(2500)}END`;
    const fitted = fitMessage({ type: 'job.failed', jobId: 'j', errorClass: 'E', message: long });
    const message = (fitted as { message: string }).message;
    expect(message.length).toBeLessThanOrEqual(2000);
    expect(message.length).toBeGreaterThan(1960);
    expect(message).toMatch(/^x+ … \[\d+ more characters cut\]$/);
    const cut = Number(message.match(/\[(\d+) more/)?.[1]);
    expect(message.indexOf(' … [') + cut).toBe(long.length);
    const reporter = new EventReporter(url, 'floe_at_x');
    reporter.report({ type: 'job.failed', jobId: 'j', errorClass: 'E', message: long });
    expect(reporter.pending).toBe(1);
    // Sent now, as cut (a job event left to its prompt flush would reach the next test's server).
    expect(await reporter.flush()).toBe(true);
    expect(received.at(-1)).toEqual([fitted]);
    const progress = fitMessage({
      type: 'job.progress',
      jobId: 'j',
      fraction: 0.5,
      message: 'y'.repeat(600),
    });
    expect((progress as { message: string }).message).toHaveLength(500);
    const short = { type: 'error', errorClass: 'E', message: 'fine' } as const;
    expect(fitMessage(short)).toBe(short);
  });

  it('sends commit reports and job events within a second, without waiting for the heartbeat', async () => {
    status = 200;
    const reporter = new EventReporter(url, 'floe_at_x');
    const before = received.length;
    reporter.report({ type: 'job.started', jobId: 'prompt' });
    await waitFor(() => received.length > before);
    expect(received.at(-1)).toEqual([{ type: 'job.started', jobId: 'prompt' }]);
    // The buffer empties once the answer is back, a moment after the server has read the batch.
    await waitFor(() => reporter.pending === 0);
  });

  it('a revoked token: flush rejects with RevokedError; the flushes nobody awaits never reject, and say so', async () => {
    status = 401;
    const logged: string[] = [];
    const reporter = new EventReporter(url, 'floe_at_x', (m) => logged.push(m));
    reporter.report({ type: 'error', errorClass: 'E', message: 'one' });
    await expect(reporter.flush()).rejects.toThrow(RevokedError);
    expect(await reporter.flushQuietly()).toBe(false);
    // The prompt flush after a job event runs on a timer: it must not become an unhandled rejection
    // (vitest fails the run on one).
    const quiet = new EventReporter(url, 'floe_at_x', (m) => logged.push(m));
    quiet.report({ type: 'job.finished', jobId: 'j', result: {} });
    await waitFor(() => quiet.revoked);
    expect(quiet.pending).toBe(1);
    expect(logged.at(-1)).toMatch(/revoked or rotated/);
    status = 200;
  });
});
