// The fleet domain: the overview of every pipeline and agent of the organization (overview.ts) and
// which agent versions are current (agent-version.ts).
import { z } from 'zod';
import { orgProcedure, router } from '../trpc';
import { fleetOverview, PIPELINE_STATES } from './overview';

const lastError = z.object({ atMs: z.number(), text: z.string() }).nullable();

/** A pipeline's compaction under way (with the step it reported) and the newest that ended. */
const compaction = z.object({
  running: z
    .object({
      status: z.enum(['SENT', 'RUNNING']),
      sentAtMs: z.number(),
      startedAtMs: z.number().nullable(),
      fraction: z.number().nullable(),
      step: z.string().nullable(),
    })
    .nullable(),
  last: z
    .object({
      status: z.enum(['FINISHED', 'FAILED']),
      finishedAtMs: z.number().nullable(),
      // The agent's figures, as reported (metadata only: counts, bytes, durations).
      result: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
});

export const fleetRouter = router({
  /** Every pipeline and agent of the organization with its health, for the Overview page. */
  overview: orgProcedure('VIEWER')
    .output(
      z.object({
        pipelines: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            agentName: z.string(),
            state: z.enum(PIPELINE_STATES),
            freshnessSeconds: z.number().nullable(),
            sloMinutes: z.number().nullable(),
            compliancePercent: z.number().nullable(),
            lagRecords: z.number().nullable(),
            recordsPerSecond: z.number().nullable(),
            lastCommitAtMs: z.number().nullable(),
            lastError,
            openIncidents: z.number(),
            compaction,
          }),
        ),
        agents: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            status: z.enum(['awaiting-install', 'online', 'offline']),
            version: z.string().nullable(),
            /** Older than agentRelease; null when its version is unknown or not one we can order. */
            upgradeAvailable: z.boolean().nullable(),
            uptimeSeconds: z.number().nullable(),
            enrolledAtMs: z.number().nullable(),
            lastSeenAtMs: z.number().nullable(),
            pipelines: z.number(),
            lastError,
          }),
        ),
        /** The agent version this control plane ships with. */
        agentRelease: z.string(),
      }),
    )
    .query(({ ctx }) => fleetOverview(ctx.db, ctx.org.id)),
});
