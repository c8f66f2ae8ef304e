import type { ContractInput } from '@floe/contracts';
import type { PrismaClient } from '@floe/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedContract } from '../contracts/status';
import { scratchOrganization } from '../testing/scratch-organization';

const exampleContract: ContractInput = {
  owner: { team: 'Checkout', contact: 'checkout@acme.test' },
  schema: { identifierFields: [{ name: 'order_id', logicalType: 'string' }], allowedChanges: 'additive' },
  deletes: 'append-only',
  retention: { snapshotDays: 7, minSnapshots: 10 },
  maintenance: { owner: 'Data platform', schedule: 'hourly compaction' },
  incidents: { channel: '#data-incidents', expectedRecoveryMinutes: 60 },
  slo: { freshnessMinutes: 5, targetPercent: 99, windowDays: 30 },
};

const spec = {
  id: 'pl-1',
  name: 'orders',
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

describe('contracts on a real database', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let db: PrismaClient;
  const as = (email: string) => fixture.as(email);

  beforeAll(async () => {
    fixture = await scratchOrganization({ 'admin@acme.test': 'ADMIN', 'viewer@acme.test': 'VIEWER' });
    db = fixture.db;
    const organizationId = fixture.org.id;
    await db.agent.create({ data: { id: 'ag-1', organizationId, name: 'a' } });
    await db.pipeline.create({
      data: {
        id: 'pl-1',
        organizationId,
        name: 'orders',
        status: 'RUNNING',
        agentId: 'ag-1',
        currentVersion: 1,
        versions: { create: { version: 1, spec, createdById: fixture.ids['admin@acme.test'] as string } },
      },
    });
  });

  afterAll(() => fixture?.close());

  it('saves versions, shares by an unguessable link, shows live freshness from commit reports, and revokes', async () => {
    const admin = as('admin@acme.test');
    expect(
      await admin.contract.save({ orgSlug: 'acme', pipelineId: 'pl-1', contract: exampleContract }),
    ).toEqual({ version: 1 });
    const v2 = { ...exampleContract, slo: { ...exampleContract.slo, freshnessMinutes: 10 } };
    expect(await admin.contract.save({ orgSlug: 'acme', pipelineId: 'pl-1', contract: v2 })).toEqual({
      version: 2,
    });

    const { shareToken } = await admin.contract.share({ orgSlug: 'acme', pipelineId: 'pl-1' });
    expect(shareToken).toMatch(/^[\w-]{32}$/);
    expect(
      (await as('viewer@acme.test').contract.get({ orgSlug: 'acme', pipelineId: 'pl-1' })).shareToken,
    ).toBeNull();

    let shared = await sharedContract(db, shareToken);
    expect(shared).toMatchObject({
      version: 2,
      freshness: null,
      withinSlo: null,
      table: { namespace: ['sales'], table: 'orders' },
    });
    expect(shared?.contract.slo.freshnessMinutes).toBe(10);
    expect(shared?.history.map((h) => h.version)).toEqual([2, 1]);

    const now = Date.now();
    await db.agentEvent.create({
      data: {
        agentId: 'ag-1',
        type: 'commit.report',
        sentAt: new Date(now),
        payload: {
          type: 'commit.report',
          pipelineId: 'pl-1',
          table: 'sales.orders',
          snapshotId: '1',
          committedAtMs: now,
          records: 10,
          bytes: 100,
          dataFiles: 1,
          deadLettered: 0,
          partitions: [
            {
              topic: 'orders.v1',
              partition: 0,
              committedOffset: '90',
              logEndOffset: '100',
              newestCommittedRecordMs: now - 3 * 60_000,
            },
            {
              topic: 'orders.v1',
              partition: 1,
              committedOffset: '50',
              logEndOffset: '50',
              newestCommittedRecordMs: now - 86_400_000,
            },
          ],
        },
      },
    });
    shared = await sharedContract(db, shareToken);
    expect(Math.round((shared?.freshness?.seconds ?? 0) / 60)).toBe(3);
    expect(shared?.withinSlo).toBe(true);

    await admin.contract.revokeShare({ orgSlug: 'acme', pipelineId: 'pl-1' });
    expect(await sharedContract(db, shareToken)).toBeNull();
  });

  it('refuses a contract with a bad field, naming it', async () => {
    const bad = { ...exampleContract, slo: { ...exampleContract.slo, targetPercent: 120 } };
    const error = await as('admin@acme.test')
      .contract.save({ orgSlug: 'acme', pipelineId: 'pl-1', contract: bad })
      .catch((e) => e);
    expect(JSON.parse(error.message)[0].path).toEqual(['contract', 'slo', 'targetPercent']);
  });
});
