// The discovery domain: what the pipeline wizard asks an agent to look at in the customer's account
// (its Kafka topics, a table and whether the agent can reach it), answered by one of the
// organization's online agents (agent-jobs.ts).
import {
  DISCOVERY_LIMITS,
  formatSchema,
  kafkaDescriptionSchema,
  pipelineSpecSchema,
  tableDescriptionSchema,
} from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { sendJob } from '../agents/dispatch';
import { connectionOf } from '../pipelines/connection-of';
import { orgPipeline } from '../pipelines/org-pipeline';
import { tableAgentOf } from '../pipelines/placement';
import { orgProcedure, redisOf, router } from '../trpc';
import { jobAnswer, noAgentOnline, onlineAgent } from './agent-jobs';

const id = z.string().min(1).max(100);
const jobIdInput = z.object({ jobId: z.string().min(1).max(100) });
const answer = <T extends z.ZodType>(description: T) =>
  z.object({
    state: z.enum(['waiting', 'succeeded', 'failed']),
    description: description.nullable(),
    message: z.string().nullable(),
  });

/**
 * Discovery and table metadata, read by an agent inside the customer's account: the control plane
 * sends a job and later reads the answer the agent reported, whose schema holds metadata only.
 */
export const discoveryRouter = router({
  /** The agent discovery would use now, or null: then the wizard says so and falls back to typing. */
  onlineAgent: orgProcedure('EDITOR')
    .input(z.object({ agentId: id.optional() }))
    .output(z.object({ id: z.string(), name: z.string() }).nullable())
    .query(async ({ ctx, input }) => {
      const agent = await onlineAgent(ctx.db, ctx.org.id, input.agentId);
      return agent && { id: agent.id, name: agent.name };
    }),

  /** Lists a Kafka connection's topics, and samples one for its schema, through an online agent. */
  describeKafka: orgProcedure('EDITOR')
    .input(
      z.object({
        kafkaConnectionId: id,
        agentId: id.optional(),
        sample: z
          .object({
            topic: z
              .string()
              .max(249)
              .regex(/^[\w.-]{1,249}$/, 'a Kafka topic name'),
            valueFormat: formatSchema.shape.value,
            keyFormat: formatSchema.shape.key.unwrap(),
            registryConnectionId: id.optional(),
            records: z.number().int().min(1).max(DISCOVERY_LIMITS.sampleRecords).optional(),
          })
          .optional(),
      }),
    )
    .output(z.object({ jobId: z.string(), agentName: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const kafka = await connectionOf(
        ctx.db,
        ctx.org.id,
        input.kafkaConnectionId,
        'kafka',
        'kafkaConnectionId',
      );
      const { sample } = input;
      const registry =
        sample?.registryConnectionId === undefined
          ? undefined
          : await connectionOf(
              ctx.db,
              ctx.org.id,
              sample.registryConnectionId,
              'schema-registry',
              'registryConnectionId',
            );
      if (sample && sample.valueFormat !== 'json' && !registry)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `${sample.valueFormat} needs a schema registry`,
        });
      const agent = await onlineAgent(ctx.db, ctx.org.id, input.agentId);
      if (!agent) throw noAgentOnline();
      const jobId = await sendJob(redisOf(ctx), agent.id, {
        kind: 'kafka.describe',
        kafka: kafka.kafka,
        ...(sample && {
          sample: {
            topic: sample.topic,
            format: { value: sample.valueFormat, key: sample.keyFormat, schemaRegistry: registry?.registry },
            records: sample.records ?? 200,
          },
        }),
      });
      Object.assign(ctx.audit, { target: input.kafkaConnectionId, after: { jobId, agent: agent.id } });
      return { jobId, agentName: agent.name };
    }),

  kafkaResult: orgProcedure('EDITOR')
    .input(jobIdInput)
    .output(answer(kafkaDescriptionSchema))
    .query(({ ctx, input }) =>
      jobAnswer(ctx.db, ctx.org.id, input.jobId, 'kafka.described', (d) => kafkaDescriptionSchema.parse(d)),
    ),

  /** Asks the pipeline's agent to read its table's metadata from the catalog. */
  describeTable: orgProcedure('VIEWER')
    .input(z.object({ pipelineId: id }))
    .output(z.object({ jobId: z.string(), agentName: z.string(), agentOnline: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      const spec = pipelineSpecSchema.parse(pipeline.versions[0]?.spec);
      // A pool pipeline's table is read by its member heard from last.
      const agentId = await tableAgentOf(ctx.db, pipeline);
      if (agentId === null) throw noAgentOnline();
      const agent = await ctx.db.agent.findUniqueOrThrow({ where: { id: agentId } });
      const online = await onlineAgent(ctx.db, ctx.org.id, agent.id);
      const { catalog, namespace, name, storage } = spec.table;
      const jobId = await sendJob(redisOf(ctx), agent.id, {
        kind: 'table.describe',
        table: { catalog, namespace, name, storage },
      });
      Object.assign(ctx.audit, { target: pipeline.id, after: { jobId, agent: agent.id } });
      return { jobId, agentName: agent.name, agentOnline: online?.id === agent.id };
    }),

  /**
   * Where the pipeline's table is, as a query engine connects to it: the catalog's settings (a REST
   * catalog's token is only said to be needed: Floe holds a reference to it, never the token).
   */
  tableAccess: orgProcedure('VIEWER')
    .input(z.object({ pipelineId: id }))
    .output(
      z.object({
        catalog: z.discriminatedUnion('type', [
          z.object({
            type: z.literal('rest'),
            uri: z.string(),
            warehouse: z.string(),
            needsToken: z.boolean(),
          }),
          z.object({ type: z.literal('glue'), region: z.string(), catalogId: z.string().nullable() }),
          z.object({ type: z.literal('hive'), uri: z.string() }),
        ]),
        storage: z.object({ bucket: z.string(), region: z.string(), endpoint: z.string().nullable() }),
        namespace: z.array(z.string()),
        name: z.string(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const pipeline = await orgPipeline(ctx, input.pipelineId);
      const { catalog, storage, namespace, name } = pipelineSpecSchema.parse(
        pipeline.versions[0]?.spec,
      ).table;
      return {
        catalog:
          catalog.type === 'rest'
            ? {
                type: 'rest' as const,
                uri: catalog.uri,
                warehouse: catalog.warehouse,
                needsToken: catalog.credential !== undefined,
              }
            : catalog.type === 'hive'
              ? { type: 'hive' as const, uri: catalog.uri }
              : { type: 'glue' as const, region: catalog.region, catalogId: catalog.catalogId ?? null },
        storage: { bucket: storage.bucket, region: storage.region, endpoint: storage.endpoint ?? null },
        namespace,
        name,
      };
    }),

  tableResult: orgProcedure('VIEWER')
    .input(jobIdInput)
    .output(answer(tableDescriptionSchema))
    .query(({ ctx, input }) =>
      jobAnswer(ctx.db, ctx.org.id, input.jobId, 'table.described', (d) => tableDescriptionSchema.parse(d)),
    ),
});
