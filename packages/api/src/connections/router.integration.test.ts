import { createPrismaClient, type PrismaClient } from '@floe/db';
import { createScratchDatabase } from '@floe/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';
import type { ConnectionFormInput } from './schemas';

const createCaller = createCallerFactory(appRouter);

const forms: ConnectionFormInput[] = [
  {
    type: 'kafka',
    name: 'prod-kafka',
    bootstrapServers: 'b-1.internal:9096, b-2.internal:9096',
    securityProtocol: 'SASL_SSL',
    saslMechanism: 'SCRAM-SHA-512',
    saslUsername: 'floe',
    saslPassword: 'env:KAFKA_PASSWORD',
  },
  { type: 'schema-registry', name: 'registry', url: 'https://registry.internal/apis/ccompat/v7' },
  { type: 'storage', name: 'lake', bucket: 'acme-lake', region: 'eu-west-1', prefix: 'floe/' },
  {
    type: 'catalog',
    name: 'rest-catalog',
    catalogType: 'rest',
    uri: 'https://catalog.internal',
    warehouse: 's3://acme-lake/',
    credential: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:catalog-AbCdEf#token',
  },
  { type: 'catalog', name: 'glue', catalogType: 'glue', region: 'eu-west-1' },
  { type: 'aws-role', name: 'floe-role', roleArn: 'arn:aws:iam::123456789012:role/floe-writer' },
];

describe('connections on a real database', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PrismaClient;
  let editor: ReturnType<typeof createCaller>;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    scratch.migrate();
    db = createPrismaClient(scratch.url);
    const org = await db.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    const user = await db.user.create({ data: { email: 'ed@acme.test' } });
    await db.membership.create({ data: { organizationId: org.id, userId: user.id, role: 'EDITOR' } });
    editor = createCaller({ db, session: { userId: user.id } });
  });

  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('creates each kind of connection and lists it with a summary', async () => {
    for (const connection of forms) await editor.connection.create({ orgSlug: 'acme', connection });
    const listed = await editor.connection.list({ orgSlug: 'acme' });
    expect(listed.map((c) => c.type).sort()).toEqual([
      'aws-role',
      'catalog',
      'catalog',
      'kafka',
      'schema-registry',
      'storage',
    ]);
    expect(listed.find((c) => c.name === 'prod-kafka')?.summary).toBe(
      'b-1.internal:9096, b-2.internal:9096 · SASL_SSL',
    );
  });

  it('gives an AWS role connection an external id made by Floe, one per connection', async () => {
    const role = (await editor.connection.list({ orgSlug: 'acme' })).find((c) => c.type === 'aws-role');
    expect(role?.externalId).toMatch(/^floe-[0-9a-f]{32}$/);
    const second = await editor.connection.create({
      orgSlug: 'acme',
      connection: { type: 'aws-role', name: 'other-role', roleArn: 'arn:aws:iam::123456789012:role/other' },
    });
    expect(second.externalId).not.toBe(role?.externalId);
  });

  it('stores references only: no connection row holds a secret value', async () => {
    const rows = JSON.stringify(await db.connection.findMany());
    expect(rows).toContain('"from":"env","name":"KAFKA_PASSWORD"');
    expect(rows).not.toMatch(/"password":"[^{]/);
  });

  it.each([
    [
      'an AWS secret key as the SASL password',
      { saslPassword: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      'saslPassword',
      /looks like an AWS secret access key/,
    ],
    ['a plain password', { saslPassword: 'hunter2hunter2' }, 'saslPassword', /enter a reference/],
    ['a broker without a port', { bootstrapServers: 'broker.internal' }, 'bootstrapServers', /host:port/],
    ['SASL without a password', { saslPassword: '' }, 'saslPassword', /needs a password reference/],
  ])('refuses %s, with the message on that field', async (_what, change, field, message) => {
    const connection = {
      ...(forms[0] as ConnectionFormInput),
      name: 'bad',
      ...change,
    } as ConnectionFormInput;
    const error = await editor.connection.create({ orgSlug: 'acme', connection }).catch((e) => e);
    expect(error.code).toBe('BAD_REQUEST');
    const issues = JSON.parse(error.message) as { path: string[]; message: string }[];
    const issue = issues.find((i) => i.path.at(-1) === field);
    expect(issue?.message).toMatch(message);
  });

  it('lets an admin delete a connection, keeping what it was in the audit log', async () => {
    const org = await db.organization.findUniqueOrThrow({ where: { slug: 'acme' } });
    const admin = await db.user.create({ data: { email: 'admin@acme.test' } });
    await db.membership.create({ data: { organizationId: org.id, userId: admin.id, role: 'ADMIN' } });
    const caller = createCaller({ db, session: { userId: admin.id } });
    const glue = (await caller.connection.list({ orgSlug: 'acme' })).find((c) => c.name === 'glue');
    await caller.connection.delete({ orgSlug: 'acme', connectionId: glue?.id as string });
    expect((await caller.connection.list({ orgSlug: 'acme' })).some((c) => c.name === 'glue')).toBe(false);
    const [entry] = await caller.audit.list({ orgSlug: 'acme', action: 'connection.delete' });
    expect(entry?.before).toMatchObject({ type: 'catalog', catalog: { type: 'glue', region: 'eu-west-1' } });
  });

  it('refuses a second connection with the same name', async () => {
    await expect(
      editor.connection.create({ orgSlug: 'acme', connection: forms[2] as ConnectionFormInput }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });
});
