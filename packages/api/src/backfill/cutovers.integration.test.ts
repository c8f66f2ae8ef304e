import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedContract } from '../contracts/status';
import { exampleContract } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';

// A backfill's cutover, as its agent reported it, is recorded on the pipeline's contract (the contract
// section's health) and on the public share page (and its contract.json): when main was replaced and
// main's snapshot then. A cutover that failed, one still running and an aborted backfill are not shown.

describe('cutovers on the contract and the share page', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  const pipelineId = 'cm-cutover-1';
  const agentId = 'ag-cutover-1';

  beforeAll(async () => {
    fixture = await scratchOrganization({ 'admin@acme.test': 'ADMIN', 'viewer@acme.test': 'VIEWER' });
    const { db, org, ids } = fixture;
    const createdById = ids['admin@acme.test'] as string;
    await db.agent.create({ data: { id: agentId, organizationId: org.id, name: 'eu-1' } });
    await db.pipeline.create({
      data: {
        id: pipelineId,
        organizationId: org.id,
        name: 'orders',
        status: 'RUNNING',
        agentId,
        currentVersion: 1,
        versions: {
          create: {
            version: 1,
            createdById,
            spec: {
              id: pipelineId,
              name: 'orders',
              version: 1,
              source: { bootstrapServers: ['b-1:9092'], topics: ['orders.v1'] },
              format: { value: 'json' },
              table: {
                catalog: { type: 'rest', uri: 'https://catalog.example', warehouse: 'lake' },
                namespace: ['sales'],
                name: 'orders',
                storage: { bucket: 'lake', region: 'eu-west-1' },
              },
            },
          },
        },
      },
    });
    const backfill = (id: string, cutoverJobId: string | null, abortJobId: string | null = null) =>
      db.backfill.create({
        data: {
          id,
          organizationId: org.id,
          pipelineId,
          createdById,
          request: { start: 'earliest', end: 'now' },
          runJobId: `run-${id}`,
          cutoverJobId,
          abortJobId,
        },
      });
    const event = (jobId: string, type: string, payload: object) =>
      db.agentEvent.create({
        data: { agentId, type, sentAt: new Date(), payload: { type, jobId, ...payload } },
      });
    await backfill('a1b2', 'cut-1');
    await event('cut-1', 'job.started', {});
    await event('cut-1', 'job.finished', {
      result: {
        valid: true,
        snapshotId: '7001',
        replacedSnapshotId: '6999',
        cutoverAtMs: Date.UTC(2026, 11, 1, 10, 0, 0),
        attempts: 1,
      },
    });
    await backfill('c3d4', 'cut-2');
    await event('cut-2', 'job.finished', {
      result: {
        valid: true,
        snapshotId: '8002',
        replacedSnapshotId: '7001',
        cutoverAtMs: Date.UTC(2026, 11, 3, 9),
      },
    });
    await backfill('e5f6', 'cut-3');
    await event('cut-3', 'job.failed', { errorClass: 'CutoverRefused', message: 'does not validate' });
    await backfill('a7b8', 'cut-4');
    await event('cut-4', 'job.started', {});
    await backfill('c9d0', null, 'abort-5');
    await event('abort-5', 'job.finished', { result: { aborted: true } });
    await fixture
      .as('admin@acme.test')
      .contract.save({ orgSlug: 'acme', pipelineId, contract: exampleContract });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  const expected = [
    {
      backfillId: 'c3d4',
      at: new Date(Date.UTC(2026, 11, 3, 9)),
      snapshotId: '8002',
      replacedSnapshotId: '7001',
    },
    {
      backfillId: 'a1b2',
      at: new Date(Date.UTC(2026, 11, 1, 10)),
      snapshotId: '7001',
      replacedSnapshotId: '6999',
    },
  ];

  it("shows the pipeline's cutovers, newest first, in the contract's health to a viewer", async () => {
    const health = await fixture.as('viewer@acme.test').contract.health({ orgSlug: 'acme', pipelineId });
    expect(health?.cutovers).toEqual(expected);
  });

  it('publishes them on the share page and in its contract.json', async () => {
    const { shareToken } = await fixture
      .as('admin@acme.test')
      .contract.share({ orgSlug: 'acme', pipelineId });
    const shared = await sharedContract(fixture.db, shareToken);
    expect(shared?.cutovers).toEqual(expected);
    expect(JSON.parse(JSON.stringify(shared)).cutovers[0]).toEqual({
      ...expected[0],
      at: '2026-12-03T09:00:00.000Z',
    });
  });
});
