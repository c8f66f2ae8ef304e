import type { PrismaClient } from '@floe/db';
import { OFFLINE_AFTER_SECONDS } from '@floe/protocol';
import { agentStatus } from '../agents/status';
import { type Placement, reportingAgents } from './placement';

export interface MemberPartition {
  topic: string;
  partition: number;
  /** 64-bit: a decimal string. */
  lagRecords: string;
  lagSeconds: number | null;
}

export interface PipelineMember {
  agentId: string;
  name: string;
  status: ReturnType<typeof agentStatus>;
  /** From the member's newest metrics report on the pipeline, when it sent one within the offline window. */
  reportedAtMs: number | null;
  recordsPerSecond: number | null;
  lagRecords: string | null;
  partitions: MemberPartition[];
}

/**
 * Who runs the pipeline now, each with the partitions it reads, its rate and its lag, from each
 * member's newest metrics report: its agent, or its pool's members that are online or reported within
 * the offline window (a pod replaced for good leaves an offline identity that is not shown). One query
 * walks each member's (agentId, type, receivedAt) index from the newest.
 */
export async function pipelineMembers(
  db: PrismaClient,
  pipeline: { id: string } & Placement,
  now = new Date(),
): Promise<PipelineMember[]> {
  const agentIds = await reportingAgents(db, pipeline);
  const since = new Date(now.getTime() - OFFLINE_AFTER_SECONDS * 1000);
  const [agents, reports] = await Promise.all([
    db.agent.findMany({ where: { id: { in: agentIds } }, orderBy: { name: 'asc' } }),
    db.$queryRaw<{ agentId: string; payload: Record<string, unknown>; receivedAt: Date }[]>`
      SELECT a.id AS "agentId", e.payload, e."receivedAt" FROM "Agent" a
      CROSS JOIN LATERAL (
        SELECT payload, "receivedAt" FROM "AgentEvent"
        WHERE "agentId" = a.id AND type = 'metrics' AND "receivedAt" > ${since}
          AND payload->>'pipelineId' = ${pipeline.id}
        ORDER BY "receivedAt" DESC, id DESC LIMIT 1) e
      WHERE a.id = ANY(${agentIds})`,
  ]);
  const reportOf = new Map(reports.map((r) => [r.agentId, r]));
  return agents.flatMap((agent): PipelineMember[] => {
    const status = agentStatus(agent, now.getTime());
    const report = reportOf.get(agent.id);
    if (pipeline.poolId !== null && (status === 'revoked' || (status !== 'online' && !report))) return [];
    return [
      {
        agentId: agent.id,
        name: agent.name,
        status,
        reportedAtMs: report ? report.receivedAt.getTime() : null,
        recordsPerSecond: report ? Number(report.payload.recordsPerSecond) : null,
        lagRecords: report ? String(report.payload.lagRecords) : null,
        // Agents before pools sent no partitions.
        partitions: ((report?.payload.partitions as MemberPartition[] | undefined) ?? []).toSorted(
          (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition,
        ),
      },
    ];
  });
}
