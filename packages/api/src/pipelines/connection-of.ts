import type { PrismaClient } from '@floe/db';
import { type Connection, type ConnectionType, connectionSchema } from '@floe/protocol';
import { TRPCError } from '@trpc/server';

/** The organization's connection of this type, or BAD_REQUEST naming the form field that chose it. */
export async function connectionOf<T extends ConnectionType>(
  db: PrismaClient,
  organizationId: string,
  id: string,
  type: T,
  field: string,
): Promise<Extract<Connection, { type: T }>> {
  const row = await db.connection.findFirst({ where: { id, organizationId } });
  const connection = row && connectionSchema.parse(row.config);
  if (!connection || connection.type !== type) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `${field}: choose a ${type} connection of this organization`,
    });
  }
  return connection as Extract<Connection, { type: T }>;
}
