// The connections domain: Kafka, schema registry, storage and catalog connections (router.ts) and
// their form schemas, which the web app imports as @floe/api/connection-form (schemas.ts).
import { randomBytes } from 'node:crypto';
import {
  type Connection,
  connectionSchema,
  connectionTakesRole,
  OFFLINE_AFTER_SECONDS,
} from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { connectionTestJob } from '../agents/connection-test-job';
import { sendJob } from '../agents/dispatch';
import { recordId } from '../record-id';
import { orgProcedure, redisOf, router } from '../trpc';
import { checkedConnectionFormSchema, toConnection } from './schemas';

const connectionRow = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['kafka', 'schema-registry', 'storage', 'catalog', 'aws-role']),
  summary: z.string(),
  externalId: z.string().nullable(),
  /** Tested (and used by pipelines) as the organization's AWS role: storage and Glue catalogs. */
  takesRole: z.boolean(),
  createdAt: z.date(),
});

/** One line that tells connections apart in a list (no secrets exist here to leak). */
function summarize(connection: Connection): string {
  switch (connection.type) {
    case 'kafka':
      return `${connection.kafka.bootstrapServers.join(', ')} · ${connection.kafka.security.protocol}`;
    case 'schema-registry':
      return connection.registry.url;
    case 'storage':
      return `s3://${connection.storage.bucket}/${connection.storage.prefix} · ${connection.storage.region}`;
    case 'catalog': {
      const { catalog } = connection;
      if (catalog.type === 'rest') return `REST ${catalog.uri} · ${catalog.warehouse}`;
      return catalog.type === 'hive' ? `Hive Metastore ${catalog.uri}` : `Glue · ${catalog.region}`;
    }
    case 'aws-role':
      return connection.role.roleArn;
  }
}

export const connectionRouter = router({
  list: orgProcedure('VIEWER')
    .output(z.array(connectionRow))
    .query(async ({ ctx }) => {
      const rows = await ctx.db.connection.findMany({
        where: { organizationId: ctx.org.id },
        orderBy: { name: 'asc' },
      });
      return rows.map((row) => {
        const connection = connectionSchema.parse(row.config);
        return {
          id: row.id,
          name: row.name,
          type: connection.type,
          summary: summarize(connection),
          externalId: connection.type === 'aws-role' ? connection.role.externalId : null,
          takesRole: connectionTakesRole(connection),
          createdAt: row.createdAt,
        };
      });
    }),

  create: orgProcedure('EDITOR')
    .input(z.object({ connection: checkedConnectionFormSchema }))
    .output(z.object({ id: z.string(), externalId: z.string().nullable() }))
    .mutation(async ({ ctx, input }) => {
      // The external id is Floe's, unguessable, one per role connection (the confused-deputy guard).
      const externalId = `floe-${randomBytes(16).toString('hex')}`;
      const { connection } = toConnection(input.connection, externalId);
      if (!connection) throw new TRPCError({ code: 'BAD_REQUEST', message: 'the connection is not valid' });
      const taken = await ctx.db.connection.findUnique({
        where: { organizationId_name: { organizationId: ctx.org.id, name: input.connection.name } },
      });
      if (taken)
        throw new TRPCError({
          code: 'CONFLICT',
          message: `a connection named ${input.connection.name} exists`,
        });
      const row = await ctx.db.connection.create({
        data: {
          organizationId: ctx.org.id,
          name: input.connection.name,
          type: connection.type,
          config: connection,
          createdById: ctx.session.userId,
        },
      });
      Object.assign(ctx.audit, { target: row.id, after: connection });
      return { id: row.id, externalId: connection.type === 'aws-role' ? externalId : null };
    }),

  /**
   * Asks the organization's most recently seen online agent to open the connection from inside
   * the customer's network; the control plane itself never does. Storage and a Glue catalog are
   * tested as the AWS role a pipeline would use (`connectionTestJob`); `role` says which, or null.
   */
  test: orgProcedure('EDITOR')
    .input(z.object({ connectionId: recordId, roleConnectionId: recordId.nullable().optional() }))
    .output(z.object({ jobId: z.string(), agentName: z.string(), role: z.string().nullable() }))
    .mutation(async ({ ctx, input }) => {
      const row = await ctx.db.connection.findFirst({
        where: { id: input.connectionId, organizationId: ctx.org.id },
      });
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `no connection ${input.connectionId}` });
      const job = await connectionTestJob(
        ctx.db,
        ctx.org.id,
        connectionSchema.parse(row.config),
        input.roleConnectionId,
      );
      const agent = await ctx.db.agent.findFirst({
        where: {
          organizationId: ctx.org.id,
          revokedAt: null,
          lastHeartbeatAt: { gt: new Date(Date.now() - OFFLINE_AFTER_SECONDS * 1000) },
        },
        orderBy: { lastHeartbeatAt: 'desc' },
      });
      if (!agent)
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: 'no agent is online to run the test: install or start one',
        });
      const jobId = await sendJob(redisOf(ctx), agent.id, job);
      const role = job.roleArn ?? null;
      Object.assign(ctx.audit, { target: row.id, after: { jobId, agent: agent.id, role } });
      return { jobId, agentName: agent.name, role };
    }),

  /** What the agent answered for a test job: still waiting, or its result or error. */
  testResult: orgProcedure('VIEWER')
    .input(z.object({ jobId: recordId }))
    .output(
      z.object({
        state: z.enum(['waiting', 'running', 'succeeded', 'failed']),
        result: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
        message: z.string().nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const [event] = await ctx.db.$queryRaw<
        { payload: { type: string; result?: Record<string, string>; message?: string } }[]
      >`
        SELECT e.payload FROM "AgentEvent" e JOIN "Agent" a ON a.id = e."agentId"
        WHERE a."organizationId" = ${ctx.org.id} AND e.type IN ('job.started', 'job.finished', 'job.failed') AND e.payload->>'jobId' = ${input.jobId}
        ORDER BY e.type = 'job.started', e."receivedAt" DESC LIMIT 1`;
      if (!event) return { state: 'waiting' as const, result: null, message: null };
      // An agent claimed it (job.started) and has not answered yet.
      if (event.payload.type === 'job.started')
        return { state: 'running' as const, result: null, message: null };
      return event.payload.type === 'job.finished'
        ? { state: 'succeeded' as const, result: event.payload.result ?? {}, message: null }
        : { state: 'failed' as const, result: null, message: event.payload.message ?? 'failed' };
    }),

  delete: orgProcedure('ADMIN')
    .input(z.object({ connectionId: recordId }))
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const row = await ctx.db.connection.findFirst({
        where: { id: input.connectionId, organizationId: ctx.org.id },
      });
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `no connection ${input.connectionId}` });
      await ctx.db.connection.delete({ where: { id: row.id } });
      Object.assign(ctx.audit, { target: row.id, before: row.config });
      return { deleted: true as const };
    }),
});
