import {
  type ClaimedJob,
  decodeJobEnvelope,
  IncompatibleJobError,
  JOB_HEARTBEAT_SECONDS,
  type Job,
  type JobFailure,
  type JobResult,
  type JobTransport,
} from '@floe/protocol';
import { storageCredentials } from './aws/storage-credentials';
import { agentEnv } from './config';
import { type EventReporter, RevokedError } from './events';
import { runBackfillJob } from './jobs/backfill';
import { backfillProgressMessage } from './jobs/backfill-progress';
import { connectionTestCredentials, type TestResult, testConnection } from './jobs/connection-test';
import { describeKafka } from './jobs/kafka-describe';
import { runMaintenance } from './jobs/maintenance';
import { describeTable } from './jobs/table-describe';
import { changeTag, rollbackTable } from './jobs/table-recovery';
import { decoderAndRegistry } from './pipelines/decoder';
import type { PipelineSupervisor } from './pipelines/supervisor';
import { checkJob } from './policy/check-job';
import type { LoadedPolicy } from './policy/load-policy';
import { PolicyError } from './policy/policy-error';
import type { SecretResolver } from './secrets';

/** What a job may use of the agent: its policy, and the secret resolver bound to that policy. */
export interface JobContext {
  agentId: string;
  pipelines: PipelineSupervisor;
  policy: LoadedPolicy;
  secrets: SecretResolver;
}

/** Runs a job; a kind this version does not know never gets here (its envelope is refused as newer or malformed). */
async function runJob(
  job: Job,
  jobId: string,
  context: JobContext,
  events: EventReporter,
): Promise<TestResult> {
  const { agentId, pipelines, policy, secrets } = context;
  // The whole job against the agent's own policy, before any connection is opened or secret read.
  checkJob(job, policy);
  switch (job.kind) {
    case 'connection.test':
      // As the role a pipeline using the connection would assume, when the job names one.
      return testConnection(job.connection, secrets, agentEnv(), {
        awsCredentials: connectionTestCredentials(job, agentId, jobId),
      });
    case 'kafka.describe': {
      // The description goes as its own event, whose schema holds names and figures only.
      const description = await describeKafka(job, secrets);
      events.report({ type: 'kafka.described', jobId, description });
      return { topics: description.topics.length, fields: description.sample?.fields.length ?? 0 };
    }
    case 'table.describe': {
      const description = await describeTable(job, {
        resolveSecret: secrets.resolve,
        awsCredentials: storageCredentials(job.table.storage, agentId, jobId),
      });
      events.report({ type: 'table.described', jobId, description });
      return { columns: description.columns.length, snapshots: description.totalSnapshots };
    }
    case 'pipeline.start':
    case 'pipeline.update': {
      await pipelines.apply(job.pipeline);
      const state = pipelines.list().find((p) => p.spec.id === job.pipeline.id);
      return { pipelineId: job.pipeline.id, version: job.pipeline.version, state: state?.state ?? 'stopped' };
    }
    case 'pipeline.stop':
      await pipelines.stop(job.pipelineId);
      return { pipelineId: job.pipelineId, state: 'stopped' };
    case 'pipeline.backfill':
    case 'pipeline.backfill-validate':
    case 'pipeline.backfill-cutover':
    case 'pipeline.backfill-abort':
      return runBackfillJob(
        job,
        {
          resolveSecret: secrets.resolve,
          ...(await decoderAndRegistry(job.pipeline, secrets)),
          awsCredentials: storageCredentials(job.pipeline.table.storage, agentId, jobId),
          progress: (p) =>
            events.report({
              type: 'job.progress',
              jobId,
              fraction: p.totalRecords === 0 ? 1 : Math.min(1, p.records / p.totalRecords),
              message: backfillProgressMessage(p),
            }),
        },
        pipelines,
      );
    case 'table.rollback':
      return rollbackTable(
        job,
        {
          resolveSecret: secrets.resolve,
          awsCredentials: storageCredentials(job.pipeline.table.storage, agentId, jobId),
        },
        pipelines,
      );
    case 'table.tag':
    case 'table.untag':
      return changeTag(job, {
        resolveSecret: secrets.resolve,
        awsCredentials: storageCredentials(job.table.storage, agentId, jobId),
      });
    case 'table.compact':
    case 'table.expire-snapshots':
    case 'table.remove-orphans':
      return runMaintenance(
        job,
        {
          resolveSecret: secrets.resolve,
          awsCredentials: storageCredentials(job.table.storage, agentId, jobId),
        },
        (fraction, message) => events.report({ type: 'job.progress', jobId, fraction, message }),
      );
  }
}

const MAX_MESSAGE = 2000;
const MAX_STACK = 16_000;
const CONCURRENCY = 4;

type Outcome = { result: JobResult } | { failure: JobFailure };

/** Runs one claimed job and says how it ended; every word of it redacted, as the events are. */
async function handle(claimed: ClaimedJob, context: JobContext, events: EventReporter): Promise<Outcome> {
  const { jobId } = claimed;
  const { redactor } = context.secrets;
  let envelope: ReturnType<typeof decodeJobEnvelope>;
  try {
    envelope = decodeJobEnvelope(claimed.envelope);
  } catch (error) {
    const errorClass = error instanceof IncompatibleJobError ? 'IncompatibleJob' : 'MalformedJob';
    const message = redactor.redact((error as Error).message);
    events.report({ type: 'job.failed', jobId, errorClass, message });
    return { failure: { errorClass, message: message.slice(0, MAX_MESSAGE), final: true } };
  }
  events.report({ type: 'job.started', jobId });
  try {
    // What goes back to the queue (Redis) is redacted as the events are.
    const result = redactor.redactDeep(await runJob(envelope.job, jobId, context, events));
    events.report({ type: 'job.finished', jobId, result });
    return { result };
  } catch (error) {
    const clean = redactor.redactError(error);
    // A long message is cut to fit (with a marker) by the reporter, never dropped.
    events.report({ type: 'job.failed', jobId, errorClass: clean.name, message: clean.message });
    // BullMQ keeps the message and stack in Redis: only the redacted ones go there. A job the policy
    // refuses would fail the same way again: no retries.
    return {
      failure: {
        errorClass: clean.name,
        message: clean.message.slice(0, MAX_MESSAGE),
        stack: clean.stack?.slice(0, MAX_STACK),
        final: error instanceof PolicyError,
      },
    };
  }
}

/** Runs a claimed job, renewing its lease while it runs, and reports its end through the transport. */
async function run(
  claimed: ClaimedJob,
  transport: JobTransport,
  context: JobContext,
  events: EventReporter,
  log: (message: string) => void,
) {
  const renew = setInterval(() => {
    transport
      .heartbeat(claimed)
      .catch((error) => log(`job ${claimed.jobId}: lease not renewed (${(error as Error).message})`));
  }, JOB_HEARTBEAT_SECONDS * 1000);
  try {
    const outcome = await handle(claimed, context, events);
    if ('result' in outcome) await transport.complete(claimed, outcome.result);
    else await transport.fail(claimed, outcome.failure);
  } catch (error) {
    // The job goes back to the queue when its lease runs out, and runs again.
    log(`job ${claimed.jobId}: its end was not recorded (${(error as Error).message})`);
  } finally {
    clearInterval(renew);
    // Not awaited, so it must not reject: a revoked token is the heartbeat's to act on.
    void events.flushQuietly();
  }
}

/**
 * Takes the agent's jobs through its transport (the control plane's HTTPS API, or BullMQ as its own
 * Redis user), up to CONCURRENCY at a time, and reports how each went. `close` waits for running jobs.
 */
export function startJobRunner(
  transport: JobTransport,
  events: EventReporter,
  context: JobContext,
  log: (message: string) => void = () => {},
) {
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const loop = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      if (running.size >= CONCURRENCY) {
        await Promise.race(running);
        continue;
      }
      let claimed: ClaimedJob | null;
      try {
        claimed = await transport.claim(stopping.signal);
        failures = 0;
      } catch (error) {
        if (stopping.signal.aborted) break;
        // A revoked token stops the agent through its heartbeat; until then, ask rarely.
        if (!(error instanceof RevokedError)) log(`cannot claim jobs: ${(error as Error).message}`);
        failures++;
        await pause(Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)));
        continue;
      }
      if (claimed === null) continue;
      const job = run(claimed, transport, context, events, log).finally(() => running.delete(job));
      running.add(job);
    }
  })();
  return {
    close: async () => {
      stopping.abort();
      await loop;
      await Promise.all(running);
      await transport.close();
    },
  };
}
