// The demo `npm start` runs: connections to the local stack, a local agent and a pipeline from the
// topic demo.orders to the table demo.orders. Idempotent; the agent's install token is written where
// scripts/start.mjs picks it up, only when the local agent has no credentials yet.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPipelineSpec, newInstallToken } from '@floe/api';
import type { PrismaClient } from '@floe/db';
import { DEMO_TOPIC } from '../scripts/demo/orders.mjs';

export const DEMO_PIPELINE_ID = 'demo-orders';
const DEMO_AGENT_ID = 'ag-demo-local';

export async function seedDemoPipeline(
  db: PrismaClient,
  organizationId: string,
  userId: string,
  agentStateDir: string,
): Promise<void> {
  const env = process.env;
  await db.agent.upsert({
    where: { id: DEMO_AGENT_ID },
    update: {},
    create: { id: DEMO_AGENT_ID, organizationId, name: 'local-demo-agent' },
  });
  if (!existsSync(join(agentStateDir, 'credentials.json'))) {
    mkdirSync(agentStateDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(agentStateDir, 'install-token'), await newInstallToken(db, DEMO_AGENT_ID), {
      mode: 0o600,
    });
  }
  const connections = {
    'local-kafka': {
      type: 'kafka',
      kafka: {
        bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','),
        security: { protocol: 'PLAINTEXT' },
      },
    },
    'local-bucket': {
      type: 'storage',
      storage: {
        bucket: env.FLOE_WAREHOUSE_BUCKET,
        prefix: 'demo',
        region: env.FLOE_AWS_REGION,
        endpoint: env.FLOE_S3_ENDPOINT,
      },
    },
    'local-catalog': {
      type: 'catalog',
      catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
    },
  };
  const ids: Record<string, string> = {};
  for (const [name, config] of Object.entries(connections)) {
    const row = await db.connection.upsert({
      where: { organizationId_name: { organizationId, name } },
      update: { config },
      create: { organizationId, name, type: config.type, config },
    });
    ids[name] = row.id;
  }
  if (await db.pipeline.findUnique({ where: { id: DEMO_PIPELINE_ID } })) return;
  const wizard = {
    name: 'orders-demo',
    agentId: DEMO_AGENT_ID,
    kafkaConnectionId: ids['local-kafka'] as string,
    topics: DEMO_TOPIC,
    startFrom: 'earliest' as const,
    valueFormat: 'json' as const,
    keyFormat: 'string' as const,
    catalogConnectionId: ids['local-catalog'] as string,
    storageConnectionId: ids['local-bucket'] as string,
    namespace: 'demo',
    tableName: 'orders',
    partitionBy: 'identity(region)',
    // The demo producer (scripts/demo/orders.mjs) writes ordered_at as ISO-8601 with a zone.
    timestampFields: 'ordered_at:iso8601',
    schemaPolicy: 'evolve' as const,
    engine: 'auto' as const,
    consumer: 'auto' as const,
    commitIntervalSeconds: 5,
    deadLetterPolicy: 'dlq' as const,
    deadLetterTopic: `${DEMO_TOPIC}.dlq`,
  };
  const spec = await buildPipelineSpec(db, organizationId, DEMO_PIPELINE_ID, 1, wizard);
  await db.pipeline.create({
    data: {
      id: DEMO_PIPELINE_ID,
      organizationId,
      name: wizard.name,
      status: 'RUNNING',
      agentId: DEMO_AGENT_ID,
      currentVersion: 1,
      versions: { create: { version: 1, spec, wizard, createdById: userId } },
    },
  });
}
