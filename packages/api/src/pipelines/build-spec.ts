import type { PrismaClient } from '@floe/db';
import { type Connection, type ConnectionType, type PipelineSpec, pipelineSpecSchema } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { connectionOf } from './connection-of';
import { keyFieldNames, type PipelineWizard, parsePartitionBy, parseTimestampFields } from './schemas';

type AwsRoleConnection = Extract<Connection, { type: 'aws-role' }>;

/**
 * The role an AWS role connection names, as a pipeline spec's storage carries it (and a connection
 * test job, which acts as the role a pipeline would): nothing without one.
 */
export function roleFields(role: AwsRoleConnection | undefined): { roleArn?: string; externalId?: string } {
  return role ? { roleArn: role.role.roleArn, externalId: role.role.externalId } : {};
}

/** The wizard's answers turned into the protocol's pipeline spec, from the organization's connections. */
export async function buildPipelineSpec(
  db: PrismaClient,
  organizationId: string,
  pipelineId: string,
  version: number,
  w: PipelineWizard,
): Promise<PipelineSpec> {
  const load = async <T extends ConnectionType>(id: string | undefined, type: T, field: string) =>
    id ? connectionOf(db, organizationId, id, type, field) : undefined;
  const kafka = await load(w.kafkaConnectionId, 'kafka', 'kafkaConnectionId');
  const registry = await load(w.registryConnectionId, 'schema-registry', 'registryConnectionId');
  const catalog = await load(w.catalogConnectionId, 'catalog', 'catalogConnectionId');
  const storage = await load(w.storageConnectionId, 'storage', 'storageConnectionId');
  const role = await load(w.roleConnectionId, 'aws-role', 'roleConnectionId');
  if (!kafka || !catalog || !storage)
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'missing connections' });
  return pipelineSpecSchema.parse({
    id: pipelineId,
    name: w.name,
    version,
    source: { ...kafka.kafka, topics: w.topics.split(/[\s,]+/).filter(Boolean), startFrom: w.startFrom },
    format: { value: w.valueFormat, key: w.keyFormat, schemaRegistry: registry?.registry },
    table: {
      catalog: catalog.catalog,
      namespace: w.namespace.split('.'),
      name: w.tableName,
      partitionBy: parsePartitionBy(w.partitionBy),
      storage: { ...storage.storage, ...roleFields(role) },
    },
    mapping: { timestamps: parseTimestampFields(w.timestampFields ?? '') },
    schemaPolicy: w.schemaPolicy,
    changes:
      w.changesMode === undefined || w.changesMode === 'append'
        ? { mode: 'append' }
        : {
            mode: w.changesMode,
            key: keyFieldNames(w.keyFields ?? ''),
            deletes: w.changeDeletes ?? 'deletion-vectors',
          },
    engine: w.engine,
    consumer: w.consumer,
    commit: { intervalSeconds: w.commitIntervalSeconds },
    deadLetter: { policy: w.deadLetterPolicy, topic: w.deadLetterTopic || undefined },
  });
}
