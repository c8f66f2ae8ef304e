import { randomBytes } from 'node:crypto';
import { hashPassword } from '@floe/auth';
import { createPrismaClient, type Role } from '@floe/db';
import type { Page } from 'playwright-core';

export const TEST_PASSWORD = 'correct horse battery';

/** A fresh organization with one member per role asked for, in the database the web app uses. */
export async function seedOrganization(roles: Role[]) {
  const db = createPrismaClient();
  const run = randomBytes(4).toString('hex');
  const passwordHash = await hashPassword(TEST_PASSWORD);
  try {
    const org = await db.organization.create({ data: { slug: `org-${run}`, name: `Org ${run}` } });
    const emails: Partial<Record<Role, string>> = {};
    for (const role of roles) {
      const email = `${role.toLowerCase()}-${run}@example.com`;
      await db.user.create({
        data: { email, passwordHash, memberships: { create: { role, organizationId: org.id } } },
      });
      emails[role] = email;
    }
    return { slug: org.slug, id: org.id, emails };
  } finally {
    await db.$disconnect();
  }
}

export async function signInAs(page: Page, baseUrl: string, email: string) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/orgs\//);
}

/** An agent and one connection of each kind a pipeline needs, straight into the database. */
export async function seedPipelinePrerequisites(organizationId: string) {
  const db = createPrismaClient();
  const run = randomBytes(3).toString('hex');
  try {
    await db.agent.create({ data: { id: `ag-${run}`, organizationId, name: 'eu-prod-1' } });
    const configs = {
      'prod-kafka': {
        type: 'kafka',
        kafka: { bootstrapServers: ['b-1.internal:9092'], security: { protocol: 'PLAINTEXT' } },
      },
      lake: { type: 'storage', storage: { bucket: 'acme-lake', region: 'eu-west-1', prefix: '' } },
      catalog: {
        type: 'catalog',
        catalog: { type: 'rest', uri: 'http://catalog.internal', warehouse: 's3://acme-lake/' },
      },
    };
    for (const [name, config] of Object.entries(configs)) {
      await db.connection.create({ data: { organizationId, name, type: config.type, config } });
    }
  } finally {
    await db.$disconnect();
  }
}
