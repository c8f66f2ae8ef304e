import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient, Role } from './index';
import { createScratchDatabase } from './scratch-database';

const repoRoot = resolve(import.meta.dirname, '../../..');

describe('Prisma on the local PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let prisma: PrismaClient;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    prisma = createPrismaClient(scratch.url);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await scratch?.drop();
  });

  it('migrates a fresh database from prisma/migrations', () => {
    expect(scratch.migrate()).toContain('successfully applied');
  });

  it('creates and reads rows through the client, relations included', async () => {
    const org = await prisma.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    await prisma.user.create({
      data: {
        email: 'ada@example.com',
        memberships: { create: { role: Role.ADMIN, organizationId: org.id } },
      },
    });
    const read = await prisma.organization.findUniqueOrThrow({
      where: { slug: 'acme' },
      include: { memberships: { include: { user: true } } },
    });
    expect(read.memberships).toHaveLength(1);
    expect(read.memberships[0]?.role).toBe('ADMIN');
    expect(read.memberships[0]?.user.email).toBe('ada@example.com');
  });

  it('enforces the schema: one membership per user and organization', async () => {
    const org = await prisma.organization.findUniqueOrThrow({ where: { slug: 'acme' } });
    const user = await prisma.user.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
    await expect(
      prisma.membership.create({ data: { role: Role.VIEWER, organizationId: org.id, userId: user.id } }),
    ).rejects.toThrow(/Unique constraint/);
  });
});

describe('prisma/migrations', () => {
  it('agrees with schema.prisma (no change is missing a migration)', () => {
    const result = spawnSync(process.execPath, [resolve(repoRoot, 'scripts/db.mjs'), 'check'], {
      encoding: 'utf8',
    });
    expect(`${result.stdout}${result.stderr}`).toContain('agree');
    expect(result.status).toBe(0);
  });
});
