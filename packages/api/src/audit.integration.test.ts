import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchOrganization } from './testing';

const lake = {
  type: 'storage',
  name: 'lake',
  bucket: 'acme-lake',
  region: 'eu-west-1',
  prefix: 'floe/',
} as const;

describe('the audit log cannot be skipped', () => {
  let org: Awaited<ReturnType<typeof scratchOrganization>>;

  beforeAll(async () => {
    org = await scratchOrganization({ 'ed@acme.test': 'EDITOR' });
  });

  afterAll(async () => {
    await org?.close();
  });

  it('rolls the change back when its audit row cannot be written', async () => {
    // A real failure of the insert, from the database itself.
    await org.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_audit() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$ LANGUAGE plpgsql`);
    await org.db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_audit BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
    );
    try {
      await expect(
        org.as('ed@acme.test').connection.create({ orgSlug: 'acme', connection: lake }),
      ).rejects.toThrow(/audit log unavailable/);
      expect(await org.db.connection.count({ where: { name: 'lake' } })).toBe(0);
    } finally {
      await org.db.$executeRawUnsafe(`DROP TRIGGER refuse_audit ON "AuditEvent"`);
    }
    await org.as('ed@acme.test').connection.create({ orgSlug: 'acme', connection: lake });
    expect(await org.db.connection.count({ where: { name: 'lake' } })).toBe(1);
    expect(await org.db.auditEvent.count({ where: { action: 'connection.create' } })).toBe(1);
  });

  it('records the validated input, not what the caller sent', async () => {
    const sent = {
      orgSlug: 'acme',
      connection: { ...lake, name: '  lake-2  ', smuggled: 'x'.repeat(10_000) },
      alsoSmuggled: { deep: true },
    };
    await org.as('ed@acme.test').connection.create(sent as never);
    const row = await org.db.auditEvent.findFirstOrThrow({
      where: { action: 'connection.create' },
      orderBy: { id: 'desc' },
    });
    expect(JSON.stringify(row.input)).not.toMatch(/smuggled|orgSlug/i);
    expect(row.input).toMatchObject({ connection: { type: 'storage', bucket: 'acme-lake' } });
  });

  it('writes nothing to the log for a change that fails', async () => {
    const before = await org.db.auditEvent.count();
    await expect(
      org.as('ed@acme.test').connection.create({ orgSlug: 'acme', connection: lake }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await org.db.auditEvent.count()).toBe(before);
  });
});
