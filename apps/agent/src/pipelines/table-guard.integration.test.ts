import { randomBytes } from 'node:crypto';
import { newSchema, RestCatalog, required, T } from '@floe/iceberg';
import { type PipelineSpec, pipelineSpecSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPipeline } from '../policy/check-job';
import { PolicyError } from '../policy/policy-error';
import { stackPolicy, stackSecrets } from '../testing/stack-policy';
import { decoderFor } from './decoder';
import { pipelineHosts } from './host';
import { PipelineSupervisor } from './supervisor';
import { guardPipelineTables } from './table-guard';

// Before a pipeline writes, the agent checks its tables against the real REST catalog: a table inside
// another table's location (sales.orders.daily under sales.orders), one that holds another, or an
// existing table whose files lie outside the pipeline's storage is refused; a sibling is fine.

const env = process.env;
const run = randomBytes(4).toString('hex');
const ns = `guard_${run}`;
const prefix = `guard-${run}`;
const root = `s3://${env.FLOE_WAREHOUSE_BUCKET}/${prefix}`;
const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
const schema = newSchema([required('id', T.long)]);
const host = { resolveSecret: stackSecrets().resolve };

const spec = (namespace: string[], name: string): PipelineSpec =>
  pipelineSpecSchema.parse({
    id: `guard-${run}-${name}`,
    name,
    version: 1,
    source: { bootstrapServers: (env.FLOE_KAFKA_BROKERS as string).split(','), topics: ['t'] },
    format: { value: 'json' },
    table: {
      catalog: { type: 'rest', uri: env.FLOE_ICEBERG_REST_URI, warehouse: 'warehouse' },
      namespace,
      name,
      storage: {
        bucket: env.FLOE_WAREHOUSE_BUCKET,
        prefix,
        region: env.FLOE_AWS_REGION,
        endpoint: env.FLOE_S3_ENDPOINT,
      },
    },
    deadLetter: { policy: 'pause' },
  });

beforeAll(async () => {
  await catalog.createNamespace([ns]);
  await catalog.createNamespace([ns, 'orders']);
  await catalog.createNamespace([ns, 'shop']);
  await catalog.createTable([ns], { name: 'orders', schema, location: `${root}/${ns}/orders` });
  await catalog.createTable([ns, 'shop'], { name: 'daily', schema, location: `${root}/${ns}/shop/daily` });
  await catalog.createTable([ns], {
    name: 'moved',
    schema,
    location: `s3://${env.FLOE_WAREHOUSE_BUCKET}/elsewhere-${run}/moved`,
  });
});

afterAll(async () => {
  for (const [namespace, name] of [
    [[ns], 'orders'],
    [[ns, 'shop'], 'daily'],
    [[ns], 'moved'],
  ] as const)
    await catalog.dropTable({ namespace: [...namespace], name }).catch(() => {});
  for (const namespace of [[ns, 'orders'], [ns, 'shop'], [ns]])
    await catalog.dropNamespace(namespace).catch(() => {});
});

describe('the tables a pipeline writes', () => {
  it('may not lie inside another table', async () => {
    await expect(guardPipelineTables(spec([ns, 'orders'], 'daily'), host)).rejects.toThrow(
      `policy: table ${ns}.orders.daily at ${root}/${ns}/orders/daily/ is inside table ${ns}.orders at ${root}/${ns}/orders: table locations must not overlap`,
    );
  });

  it('may not hold another table', async () => {
    await expect(guardPipelineTables(spec([ns], 'shop'), host)).rejects.toThrow(
      `policy: table ${ns}.shop at ${root}/${ns}/shop/ holds table ${ns}.shop.daily at ${root}/${ns}/shop/daily: table locations must not overlap`,
    );
  });

  it('may not keep its files outside the pipeline storage', async () => {
    await expect(guardPipelineTables(spec([ns], 'moved'), host)).rejects.toThrow(
      `policy: table ${ns}.moved keeps files at s3://${env.FLOE_WAREHOUSE_BUCKET}/elsewhere-${run}/moved/, outside the pipeline's storage ${root}/`,
    );
  });

  it('are fine beside each other (orders_x next to orders) and when they exist where they should', async () => {
    await guardPipelineTables(spec([ns], 'orders_x'), host);
    await guardPipelineTables(spec([ns], 'orders'), host);
  });

  it('fail the start of a pipeline at once, without retries', async () => {
    const policy = stackPolicy();
    const logs: string[] = [];
    const supervisor = new PipelineSupervisor(
      pipelineHosts({ secrets: stackSecrets(policy), decoderFor, log: () => {} }),
      (message) => logs.push(message),
      (s) => checkPipeline(s, policy),
    );
    await expect(supervisor.apply(spec([ns, 'orders'], 'daily'))).rejects.toBeInstanceOf(PolicyError);
    expect(supervisor.list()).toEqual([]);
    expect(logs).toContain('pipeline refused');
  });
});
