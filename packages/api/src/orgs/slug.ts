import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@floe/db';

/** A URL slug for an organization name, with a short suffix when the plain one is taken. */
export async function uniqueOrgSlug(db: PrismaClient, name: string): Promise<string> {
  const base =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'org';
  if (!(await db.organization.findUnique({ where: { slug: base } }))) return base;
  return `${base}-${randomBytes(3).toString('hex')}`;
}
