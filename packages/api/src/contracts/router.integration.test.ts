import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrismaClient } from '@floe/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleContract, seedPipeline } from '../testing/contracted-pipeline';
import { scratchOrganization } from '../testing/scratch-organization';
import { sharedBadge, sharedContract } from './status';

const repoRoot = join(import.meta.dirname, '../../../..');

describe('contracts on a real database', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let db: PrismaClient;
  let agentId = '';
  const as = (email: string) => fixture.as(email);

  beforeAll(async () => {
    fixture = await scratchOrganization({ 'admin@acme.test': 'ADMIN', 'viewer@acme.test': 'VIEWER' });
    db = fixture.db;
    ({ agentId } = await seedPipeline(db, fixture.org.id, fixture.ids['admin@acme.test'] as string));
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
    // Partition 0 is 3 minutes behind; partition 1 is caught up (idle for a day).
    const report = (newestMs: number) => ({
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
          newestCommittedRecordMs: newestMs,
        },
        {
          topic: 'orders.v1',
          partition: 1,
          committedOffset: '50',
          logEndOffset: '50',
          newestCommittedRecordMs: now - 86_400_000,
        },
      ],
    });
    await db.agentEvent.create({
      data: { agentId, type: 'commit.report', sentAt: new Date(now), payload: report(now - 3 * 60_000) },
    });
    // An agent of another organization cannot speak for this pipeline.
    const other = await db.organization.create({ data: { slug: 'other', name: 'Other' } });
    await db.agent.create({ data: { id: 'ag-other', organizationId: other.id, name: 'other' } });
    await db.agentEvent.create({
      data: {
        agentId: 'ag-other',
        type: 'commit.report',
        sentAt: new Date(now),
        payload: report(now - 60 * 60_000),
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

  it('gives the badge its own link: it opens no page, the page link opens no badge, each revoked alone', async () => {
    const admin = as('admin@acme.test');
    const link = { orgSlug: 'acme', pipelineId: 'pl-1' };
    const { shareToken } = await admin.contract.share(link);
    const { badgeToken } = await admin.contract.shareBadge(link);
    expect(badgeToken).toMatch(/^[\w-]{32}$/);
    expect(badgeToken).not.toBe(shareToken);
    expect(await sharedBadge(db, badgeToken)).toEqual({
      freshnessSeconds: expect.any(Number),
      sloMinutes: 10,
    });
    expect(await sharedContract(db, badgeToken)).toBeNull();
    expect(await sharedBadge(db, shareToken)).toBeNull();
    expect((await as('viewer@acme.test').contract.get(link)).badgeToken).toBeNull();
    expect((await admin.contract.get(link)).badgeToken).toBe(badgeToken);

    await admin.contract.revokeBadge(link);
    expect(await sharedBadge(db, badgeToken)).toBeNull();
    expect(await sharedContract(db, shareToken)).not.toBeNull();
    const { badgeToken: again } = await admin.contract.shareBadge(link);
    await admin.contract.revokeShare(link);
    expect(await sharedContract(db, shareToken)).toBeNull();
    expect(await sharedBadge(db, again)).not.toBeNull();
    await expect(as('viewer@acme.test').contract.shareBadge(link)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('the migration gives links shared before badge tokens a badge token of their own', async () => {
    const dir = join(repoRoot, 'prisma/migrations');
    const migration = readdirSync(dir).find((name) => name.endsWith('_share_badge_tokens')) as string;
    const backfill = readFileSync(join(dir, migration, 'migration.sql'), 'utf8').match(
      /UPDATE "Contract"[^;]+;/,
    )?.[0];
    const { shareToken } = await as('admin@acme.test').contract.share({
      orgSlug: 'acme',
      pipelineId: 'pl-1',
    });
    await db.contract.updateMany({ data: { badgeToken: null } });
    await db.$executeRawUnsafe(backfill as string);
    const [row] = await db.contract.findMany({ where: { shareToken } });
    expect(row?.badgeToken).toMatch(/^[0-9a-f]{64}$/);
    expect(await sharedBadge(db, row?.badgeToken as string)).not.toBeNull();
    expect(await sharedContract(db, row?.badgeToken as string)).toBeNull();
  });
});
