import type { PipelineMetrics } from '@floe/ingest';
import { HEARTBEAT_SECONDS, INSTALL_TOKEN_PREFIX, PROTOCOL_VERSION } from '@floe/protocol';
import { storageCredentials } from './aws/storage-credentials';
import { type AgentCredentials, enroll, loadCredentials, saveCredentials } from './credentials';
import { EventReporter, RevokedError } from './events';
import { startJobRunner } from './job-runner';
import { decoderFor } from './pipelines/decoder';
import { pipelineHosts } from './pipelines/host';
import { serverPort, startMetricsServer } from './pipelines/metrics-server';
import { PipelineSupervisor } from './pipelines/supervisor';
import { checkPipeline } from './policy/check-job';
import type { LoadedPolicy } from './policy/load-policy';
import { agentRedactor } from './policy/redact';
import { SecretResolver } from './secrets';
import { bullmqJobTransport } from './transport/bullmq';
import { HttpsJobTransport } from './transport/https';
import { VERSION } from './version';

/**
 * Structured JSON logs, one line each; never record values (the agent only logs its own doings), and
 * every secret value the agent resolved is cut out of the line.
 */
export function log(message: string, fields: Record<string, unknown> = {}) {
  const line = JSON.stringify({ time: new Date().toISOString(), message, ...fields });
  process.stdout.write(`${agentRedactor.redact(line)}\n`);
}

/** The transport enrollment chose: the control plane's HTTPS API, or BullMQ as the agent's own Redis user. */
export function jobTransport(
  controlPlane: URL,
  credentials: AgentCredentials,
  logLine: (message: string) => void = (m) => log(m),
) {
  return credentials.transport === 'https'
    ? new HttpsJobTransport(controlPlane, credentials.apiToken)
    : bullmqJobTransport(credentials, logLine);
}

/**
 * Runs the agent: enrolls with an install token once (then keeps its credentials on disk),
 * pulls jobs from its own queue through the transport enrollment named, and heartbeats every 10 s. Every job is checked against the
 * customer's policy before it runs. With a metrics port, serves /metrics (per-pipeline lag, for
 * autoscaling) and /healthz inside the account. Returns a stop function.
 */
export async function startAgent({
  controlPlane,
  token,
  policy,
  metricsPort,
}: {
  controlPlane: URL;
  token: string;
  policy: LoadedPolicy;
  metricsPort?: number;
}) {
  let credentials = loadCredentials();
  if (token.startsWith(INSTALL_TOKEN_PREFIX) && !credentials) {
    credentials = await enroll(controlPlane, token);
    saveCredentials(credentials);
    log('enrolled', { agentId: credentials.agentId });
  }
  if (!credentials) throw new Error('no credentials: start once with the install token from the Agents page');
  const events = new EventReporter(controlPlane, credentials.apiToken, (m) => log(m));
  const secrets = new SecretResolver(policy);
  const pipelines = new PipelineSupervisor(
    pipelineHosts({
      secrets,
      decoderFor,
      credentialsFor: (spec) => storageCredentials(spec.table.storage, credentials.agentId, spec.id),
      events,
      log,
    }),
    log,
    (spec) => checkPipeline(spec, policy),
  );
  // Before the job runner: a port already taken fails the start with nothing running yet.
  const metrics = metricsPort === undefined ? undefined : await startMetricsServer(pipelines, metricsPort);
  if (metrics) log('metrics', { url: `http://127.0.0.1:${serverPort(metrics)}/metrics` });
  const runner = startJobRunner(
    jobTransport(controlPlane, credentials),
    events,
    { agentId: credentials.agentId, pipelines, policy, secrets },
    (m) => log(m),
  );
  const rates = new RateMeter();
  let stopped = false;
  const stop = async () => {
    stopped = true;
    clearInterval(timer);
    await runner.close();
    // Pipelines keep their place in their tables: a restarted agent resumes from there.
    await pipelines.stopAll();
    metrics?.close();
    await events.flush().catch(() => {});
  };
  const heartbeat = async () => {
    const running = pipelines.list().filter((p) => p.state === 'running');
    events.report({
      type: 'heartbeat',
      agentVersion: VERSION,
      uptimeSeconds: Math.floor(process.uptime()),
      runningPipelines: running.map((p) => p.spec.id),
    });
    for (const p of running) {
      if (p.metrics === undefined) continue;
      events.report({
        type: 'metrics',
        pipelineId: p.spec.id,
        recordsPerSecond: rates.perSecond(p.spec.id, p.metrics.recordsIn),
        lagRecords: p.metrics.lagRecords().toString(),
        partitions: memberPartitions(p.metrics),
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
    transport: credentials.transport,
    protocolVersion: PROTOCOL_VERSION,
    version: VERSION,
    policy: policy.rules === 'permissive' ? 'permissive' : (policy.file ?? 'none (allows nothing)'),
  });
  return { agentId: credentials.agentId, events, pipelines, metrics, stop };
}

/** The partitions this member reads now, with their lag: how the pipeline page shows a pool's members. */
function memberPartitions(metrics: PipelineMetrics) {
  return metrics.partitionLags(Date.now()).map((lag) => ({
    topic: lag.topic,
    partition: lag.partition,
    lagRecords: lag.records.toString(),
    lagSeconds: lag.seconds,
  }));
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
