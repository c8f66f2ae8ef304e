import { PROTOCOL_VERSION } from '@floe/protocol';
import { storageCredentials } from './aws/storage-credentials';
import { enroll, loadCredentials, saveCredentials } from './credentials';
import { EventReporter, RevokedError } from './events';
import { startJobRunner } from './job-runner';
import { decoderFor } from './pipelines/decoder';
import { pipelineHosts } from './pipelines/host';
import { PipelineSupervisor } from './pipelines/supervisor';
import { VERSION } from './version';

export const HEARTBEAT_SECONDS = 10;

/** Structured JSON logs, one line each; never record values (the agent only logs its own doings). */
export function log(message: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), message, ...fields })}\n`);
}

/**
 * Runs the agent: enrolls with an install token once (then keeps its credentials on disk),
 * pulls jobs from its own queue, and heartbeats every 10 s. Returns a stop function.
 */
export async function startAgent({ controlPlane, token }: { controlPlane: URL; token: string }) {
  let credentials = loadCredentials();
  if (token.startsWith('floe_it_') && !credentials) {
    credentials = await enroll(controlPlane, token);
    saveCredentials(credentials);
    log('enrolled', { agentId: credentials.agentId });
  }
  if (!credentials) throw new Error('no credentials: start once with the install token from the Agents page');
  const events = new EventReporter(controlPlane, credentials.apiToken, (m) => log(m));
  const pipelines = new PipelineSupervisor(
    pipelineHosts({
      decoderFor,
      credentialsFor: (spec) => storageCredentials(spec.table.storage, credentials.agentId, spec.id),
      events,
      log,
    }),
    log,
  );
  const runner = startJobRunner(credentials, events, pipelines);
  const rates = new RateMeter();
  let stopped = false;
  const stop = async () => {
    stopped = true;
    clearInterval(timer);
    await runner.close();
    // Pipelines keep their place in their tables: a restarted agent resumes from there.
    await pipelines.stopAll();
    await events.flush().catch(() => {});
  };
  const heartbeat = async () => {
    const running = pipelines.list().filter((p) => p.state === 'running');
    events.report({
      type: 'heartbeat',
      agentVersion: VERSION,
      runningPipelines: running.map((p) => p.spec.id),
    });
    for (const p of running) {
      if (p.metrics === undefined) continue;
      events.report({
        type: 'metrics',
        pipelineId: p.spec.id,
        recordsPerSecond: rates.perSecond(p.spec.id, p.metrics.recordsIn),
        lagRecords: p.metrics.lagRecords().toString(),
      });
    }
    try {
      await events.flush();
    } catch (error) {
      if (error instanceof RevokedError && !stopped) {
        log(error.message);
        await stop();
        process.exitCode = 3;
      }
    }
  };
  const timer = setInterval(heartbeat, HEARTBEAT_SECONDS * 1000);
  await heartbeat();
  log('started', {
    agentId: credentials.agentId,
    queue: credentials.queue.name,
    protocolVersion: PROTOCOL_VERSION,
    version: VERSION,
  });
  return { agentId: credentials.agentId, events, pipelines, stop };
}

/** Records per second between two readings of a running total. */
class RateMeter {
  private readonly last = new Map<string, { total: number; at: number }>();

  perSecond(key: string, total: number): number {
    const now = Date.now();
    const previous = this.last.get(key);
    this.last.set(key, { total, at: now });
    if (previous === undefined || now <= previous.at) return 0;
    return Math.max(0, ((total - previous.total) * 1000) / (now - previous.at));
  }
}
