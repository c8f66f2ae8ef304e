import { toDbtSourcesYaml, toOdcsYaml } from '@floe/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleContract } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';
import { sharedContract } from './status';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:catalog-AbCdEf';
const CATALOG_URI = 'https://catalog.internal.acme:8181/api';
const GLUE_ACCOUNT = '210987654321';

describe('a shared contract tells a reader what they need, and nothing of the control plane', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  const admin = () => fixture.as('admin@acme.test');

  /** A pipeline writing sales.<tableName> through `catalog`, with a contract shared by link. */
  async function sharedPipeline(id: string, tableName: string, catalog: object) {
    const createdById = fixture.ids['admin@acme.test'] as string;
    await fixture.db.agent.create({ data: { id: `ag-${id}`, organizationId: fixture.org.id, name: id } });
    const spec = {
      id,
      name: tableName,
      version: 1,
      source: { bootstrapServers: ['b-1.kafka.internal:9096'], topics: [`${tableName}.v1`] },
      format: { value: 'json' },
      table: {
        catalog,
        namespace: ['sales'],
        name: tableName,
        storage: { bucket: 'acme-lake', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/floe' },
      },
    };
    await fixture.db.pipeline.create({
      data: {
        id,
        organizationId: fixture.org.id,
        name: tableName,
        status: 'RUNNING',
        agentId: `ag-${id}`,
        currentVersion: 1,
        versions: { create: { version: 1, spec, createdById } },
      },
    });
    await admin().contract.save({ orgSlug: 'acme', pipelineId: id, contract: exampleContract });
    const { shareToken } = await admin().contract.share({ orgSlug: 'acme', pipelineId: id });
    const shared = await sharedContract(fixture.db, shareToken);
    if (!shared) throw new Error('no shared contract');
    return shared;
  }

  beforeAll(async () => {
    fixture = await scratchOrganization({ 'admin@acme.test': 'ADMIN' });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('keeps the catalog address, its credential reference, the role and the pipeline id out of every shared form', async () => {
    const pipelineId = 'cm-orders-7f3a';
    const shared = await sharedPipeline(pipelineId, 'orders', {
      type: 'rest',
      uri: CATALOG_URI,
      warehouse: 's3://acme-lake/',
      credential: { from: 'aws-secrets-manager', arn: SECRET_ARN, jsonKey: 'token' },
    });
    // contract.json is this object as JSON; the page, the ODCS and dbt documents are made from it.
    for (const published of [
      JSON.stringify(shared),
      toOdcsYaml(shared.contract, shared.table),
      toDbtSourcesYaml(shared.contract, shared.table),
    ]) {
      for (const internal of [
        SECRET_ARN,
        'secretsmanager',
        CATALOG_URI,
        'catalog.internal',
        pipelineId,
        'role/floe',
        'kafka.internal',
      ]) {
        expect(published).not.toContain(internal);
      }
    }
    expect(shared.table).toEqual({
      name: 'orders',
      version: 1,
      namespace: ['sales'],
      table: 'orders',
      topics: ['orders.v1'],
      partitioning: [],
      changes: 'Append only: every record is a new row; no row is updated or deleted.',
    });
    expect(shared.contract.slo).toEqual(exampleContract.slo);
  });

  it('keeps the Glue account id out too', async () => {
    const shared = await sharedPipeline('refunds', 'refunds', {
      type: 'glue',
      region: 'eu-west-1',
      catalogId: GLUE_ACCOUNT,
    });
    expect(JSON.stringify(shared)).not.toContain(GLUE_ACCOUNT);
    expect(toOdcsYaml(shared.contract, shared.table)).not.toContain(GLUE_ACCOUNT);
  });
});
