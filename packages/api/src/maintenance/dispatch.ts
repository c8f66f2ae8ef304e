import type { Prisma, PrismaClient } from '@floe/db';
import { pipelineSpecSchema } from '@floe/protocol';
import type { Redis } from 'ioredis';
import { sendJob } from '../agents/dispatch';
import { tableAgentOf } from '../pipelines/placement';
import { isOutstanding, planMaintenance } from './due';
import { type MaintainedPipeline, maintenanceFacts } from './facts';
import { maintenanceJob } from './job';
import { MAINTENANCE_KINDS, type MaintenanceKind, type MaintenancePolicy } from './policy';

// Decisions about a table's maintenance are made under a lock on its pipeline (two-key advisory lock,
// class "mnt"), held until the run is recorded: the scheduler of every control-plane instance and
// "Run now" then never see the same table without an outstanding run and both send one.
const LOCK_CLASS = 0x6d6e74;

export interface PipelineToMaintain extends MaintainedPipeline {
  versions: { spec: unknown }[];
}

function underPipelineLock<T>(
  db: PrismaClient,
  pipelineId: string,
  decide: (tx: Prisma.TransactionClient) => Promise<T>,
) {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${pipelineId}))`;
      return decide(tx);
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

// The job goes out before the run is recorded (its id is the job's): should recording fail, the
// agent still does the work once and its events find no run.
async function send(
  tx: Prisma.TransactionClient,
  redis: Redis,
  { pipeline, agentId }: { pipeline: PipelineToMaintain; agentId: string },
  kind: MaintenanceKind,
  policy: MaintenancePolicy,
  { now, requestedById }: { now: Date; requestedById: string | null },
) {
  const spec = pipelineSpecSchema.parse(pipeline.versions[0]?.spec);
  const jobId = await sendJob(redis, agentId, maintenanceJob(kind, spec, policy, now));
  return tx.maintenanceRun.create({
    data: { pipelineId: pipeline.id, agentId, kind, jobId, requestedById, sentAt: now },
  });
}

/** A pool pipeline's table is maintained by one online member; with none online, nothing is sent. */
export class NoMemberOnlineError extends Error {
  constructor() {
    super("no member of the pipeline's pool is online: start one, then run it again");
    this.name = 'NoMemberOnlineError';
  }
}

/** Sends the pipeline's agent whatever maintenance of its table is due. Returns the kinds sent. */
export function sendDueMaintenance(db: PrismaClient, redis: Redis, pipeline: PipelineToMaintain, now: Date) {
  return underPipelineLock(db, pipeline.id, async (tx) => {
    const facts = await maintenanceFacts(tx, pipeline);
    const plan = planMaintenance(facts, now);
    const due = MAINTENANCE_KINDS.filter((kind) => plan[kind].state === 'due');
    const agentId = await tableAgentOf(tx, pipeline, now);
    if (agentId === null) return [];
    for (const kind of due)
      await send(tx, redis, { pipeline, agentId }, kind, facts.policy, { now, requestedById: null });
    return due;
  });
}

/** "Run now": sends one kind of maintenance at once, unless one of its kind is still out (then that one). */
export function sendMaintenanceNow(
  db: PrismaClient,
  redis: Redis,
  pipeline: PipelineToMaintain,
  kind: MaintenanceKind,
  requestedById: string,
  now: Date,
) {
  return underPipelineLock(db, pipeline.id, async (tx) => {
    const facts = await maintenanceFacts(tx, pipeline);
    const last = facts.lastRuns[kind];
    if (last && isOutstanding(last, now)) return { sent: null, outstanding: last };
    const agentId = await tableAgentOf(tx, pipeline, now);
    if (agentId === null) throw new NoMemberOnlineError();
    return {
      sent: await send(tx, redis, { pipeline, agentId }, kind, facts.policy, { now, requestedById }),
      outstanding: null,
    };
  });
}
