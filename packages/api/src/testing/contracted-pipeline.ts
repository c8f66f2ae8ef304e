import type { ContractInput } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';

export const exampleContract: ContractInput = {
  owner: { team: 'Checkout', contact: 'checkout@acme.test' },
  schema: { identifierFields: [{ name: 'order_id', logicalType: 'string' }], allowedChanges: 'additive' },
  deletes: 'append-only',
  retention: { snapshotDays: 7, minSnapshots: 10 },
  maintenance: { owner: 'Data platform', schedule: 'hourly compaction' },
  incidents: { channel: '#data-incidents', expectedRecoveryMinutes: 60 },
  slo: { freshnessMinutes: 5, targetPercent: 99, windowDays: 30 },
};

/** An agent and a running pipeline (sales.orders from orders.v1) of the organization, for tests. */
export async function seedPipeline(
  db: PrismaClient,
  organizationId: string,
  createdById: string,
  { id = 'pl-1', name = 'orders' } = {},
) {
  const agentId = `ag-${id}`;
  await db.agent.create({ data: { id: agentId, organizationId, name: agentId } });
  const spec = {
    id,
    name,
    version: 1,
    source: { bootstrapServers: ['b:9092'], topics: ['orders.v1'] },
    format: { value: 'json' },
    table: {
      catalog: { type: 'rest', uri: 'http://catalog:8181', warehouse: 's3://lake/' },
      namespace: ['sales'],
      name: 'orders',
      storage: { bucket: 'lake', region: 'eu-west-1' },
    },
  };
  await db.pipeline.create({
    data: {
      id,
      organizationId,
      name,
      status: 'RUNNING',
      agentId,
      currentVersion: 1,
      versions: { create: { version: 1, spec, createdById } },
    },
  });
  return { pipelineId: id, agentId };
}
