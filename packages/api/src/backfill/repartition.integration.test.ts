import { pipelineSpecSchema } from '@floe/protocol';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAgentEvents } from '../agents/events';
import { seedPipeline } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';

// A re-partitioning backfill through the control plane: a spec that is not transform(column) is refused
// on its field; once the agent reports the cutover finished, the pipeline's next version partitions as
// the backfill did (spec and wizard answers), once however often the report comes, and only for the
// agent that runs the pipeline.

describe('re-partitioning backfills in the control plane', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let pipelineId = '';
  let agentId = '';

  beforeAll(async () => {
    fixture = await scratchOrganization({ 'admin@acme.test': 'ADMIN' });
    const { db, org, ids } = fixture;
    const createdById = ids['admin@acme.test'] as string;
    ({ pipelineId, agentId } = await seedPipeline(db, org.id, createdById, { id: 'pl-repart' }));
    await db.agent.create({ data: { id: 'ag-other', organizationId: org.id, name: 'other' } });
    await db.pipelineVersion.updateMany({
      where: { pipelineId },
      data: { wizard: { tableName: 'orders', partitionBy: '' } },
    });
    await db.backfill.create({
      data: {
        id: 'r1',
        organizationId: org.id,
        pipelineId,
        createdById,
        request: { start: 'earliest', end: 'now', partitionBy: 'day(ordered_at)' },
        runJobId: 'run-r1',
        cutoverJobId: 'cut-r1',
      },
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('refuses a partition spec that is not transform(column), naming the field', async () => {
    const error = await fixture
      .as('admin@acme.test')
      .backfill.start({
        orgSlug: 'acme',
        pipelineId,
        request: { start: 'earliest', end: 'now', partitionBy: 'day(ordered_at), weekly(ordered_at)' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect(JSON.parse((error as TRPCError).message)).toMatchObject([
      {
        path: ['request', 'partitionBy'],
        message: expect.stringContaining('"weekly(ordered_at)" is not transform(column)'),
      },
    ]);
  });

  it("stores the pipeline's next version with the new partitioning once the cutover finished", async () => {
    const { db } = fixture;
    const finished = {
      type: 'job.finished',
      jobId: 'cut-r1',
      result: { valid: true, snapshotId: '7001', cutoverAtMs: Date.now() },
    };
    const report = (agentId: string) =>
      db.agent
        .findUniqueOrThrow({ where: { id: agentId } })
        .then((agent) =>
          recordAgentEvents(db, agent, { protocolVersion: 1, sentAtMs: Date.now(), events: [finished] }),
        );
    // Another agent of the organization does not speak for this pipeline.
    await report('ag-other');
    expect((await db.pipeline.findUniqueOrThrow({ where: { id: pipelineId } })).currentVersion).toBe(1);

    await report(agentId);
    await report(agentId);
    const versions = await db.pipelineVersion.findMany({
      where: { pipelineId },
      orderBy: { version: 'asc' },
    });
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    const next = pipelineSpecSchema.parse(versions[1]?.spec);
    expect(next.version).toBe(2);
    expect(next.table.partitionBy).toEqual([{ source: 'ordered_at', transform: 'day' }]);
    expect(versions[1]?.wizard).toEqual({ tableName: 'orders', partitionBy: 'day(ordered_at)' });
    expect((await db.pipeline.findUniqueOrThrow({ where: { id: pipelineId } })).currentVersion).toBe(2);
  });
});
