import { randomBytes } from 'node:crypto';
import { type Connection, connectionSchema } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { checkedConnectionFormSchema, toConnection } from '../schemas/connection';
import { orgProcedure, router } from '../trpc';

const connectionRow = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['kafka', 'schema-registry', 'storage', 'catalog', 'aws-role']),
  summary: z.string(),
  externalId: z.string().nullable(),
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
    case 'catalog':
      return connection.catalog.type === 'rest'
        ? `REST ${connection.catalog.uri} · ${connection.catalog.warehouse}`
        : `Glue · ${connection.catalog.region}`;
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

  delete: orgProcedure('ADMIN')
    .input(z.object({ connectionId: z.string() }))
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const { count } = await ctx.db.connection.deleteMany({
        where: { id: input.connectionId, organizationId: ctx.org.id },
      });
      if (count === 0)
        throw new TRPCError({ code: 'NOT_FOUND', message: `no connection ${input.connectionId}` });
      return { deleted: true as const };
    }),
});
