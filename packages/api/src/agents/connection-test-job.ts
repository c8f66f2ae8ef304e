import type { PrismaClient } from '@floe/db';
import { type Connection, connectionSchema, connectionTakesRole, type Job } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { roleFields } from '../pipelines/build-spec';

type ConnectionTestJob = Extract<Job, { kind: 'connection.test' }>;

/**
 * The `connection.test` job for one of the organization's connections. A storage or Glue catalog
 * connection is tested as the AWS role a pipeline would reach it with, put in the job as
 * buildPipelineSpec puts it in the spec: the AWS role connection chosen (`roleConnectionId`; null
 * for none), or else the organization's only one. With none, the agent's own identity tests, as it
 * is what such a pipeline uses. Several and no choice: refused, since a guess would prove nothing.
 */
export async function connectionTestJob(
  db: PrismaClient,
  organizationId: string,
  connection: Connection,
  roleConnectionId?: string | null,
): Promise<ConnectionTestJob> {
  const plain: ConnectionTestJob = { kind: 'connection.test', connection };
  if (!connectionTakesRole(connection)) {
    if (roleConnectionId)
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `roleConnectionId: a ${connection.type} connection is not tested as an AWS role (only storage and Glue catalogs are)`,
      });
    return plain;
  }
  if (roleConnectionId === null) return plain;
  const roles = await db.connection.findMany({
    where: { organizationId, type: 'aws-role' },
    orderBy: { name: 'asc' },
  });
  const chosen =
    roleConnectionId === undefined
      ? roles.length === 1
        ? roles[0]
        : undefined
      : roles.find((r) => r.id === roleConnectionId);
  if (roleConnectionId !== undefined && !chosen)
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'roleConnectionId: choose an AWS role connection of this organization',
    });
  if (!chosen) {
    if (roles.length === 0) return plain;
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `this organization has ${roles.length} AWS roles (${roles.map((r) => r.name).join(', ')}): choose the one its pipelines use with this connection`,
    });
  }
  const role = connectionSchema.parse(chosen.config);
  if (role.type !== 'aws-role')
    throw new Error(`connection ${chosen.id} is stored as aws-role but is ${role.type}`);
  return { ...plain, ...roleFields(role) };
}
