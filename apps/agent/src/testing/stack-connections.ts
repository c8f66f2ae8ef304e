import type { orgCaller } from './org-caller';

/**
 * The local stack's Kafka (plain listener), REST catalog and bucket as an organization's three
 * connections, made through the API as a user makes them; spread into a pipeline form.
 */
export async function stackConnections(
  caller: Awaited<ReturnType<typeof orgCaller>>,
  orgSlug: string,
  storagePrefix: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  const create = async (form: Parameters<typeof caller.connection.create>[0]['connection']) =>
    (await caller.connection.create({ orgSlug, connection: form })).id;
  return {
    kafkaConnectionId: await create({
      type: 'kafka',
      name: 'stack-kafka',
      bootstrapServers: env.FLOE_KAFKA_BROKERS as string,
      securityProtocol: 'PLAINTEXT',
    }),
    catalogConnectionId: await create({
      type: 'catalog',
      name: 'stack-catalog',
      catalogType: 'rest',
      uri: env.FLOE_ICEBERG_REST_URI as string,
      warehouse: 'warehouse',
    }),
    storageConnectionId: await create({
      type: 'storage',
      name: 'stack-lake',
      bucket: env.FLOE_WAREHOUSE_BUCKET as string,
      region: env.FLOE_AWS_REGION as string,
      prefix: storagePrefix,
      endpoint: env.FLOE_S3_ENDPOINT as string,
    }),
  };
}
