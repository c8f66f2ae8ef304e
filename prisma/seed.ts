// Seeds the demo organization and user that `npm start` signs in with. Idempotent.

import { join } from 'node:path';
import { hashPassword } from '@floe/auth';
import { db } from '@floe/db';
import { seedDemoPipeline } from './seed-demo';

// scripts/start.mjs prints these; keep them in step.
const DEMO = { email: 'demo@floe.local', password: 'floe-demo-password', org: 'acme-data' } as const;

const prisma = db();
const passwordHash = await hashPassword(DEMO.password);
const org = await prisma.organization.upsert({
  where: { slug: DEMO.org },
  update: {},
  create: { slug: DEMO.org, name: 'Acme Data' },
});
const user = await prisma.user.upsert({
  where: { email: DEMO.email },
  update: { passwordHash },
  create: { email: DEMO.email, name: 'Demo User', passwordHash },
});
await prisma.membership.upsert({
  where: { organizationId_userId: { organizationId: org.id, userId: user.id } },
  update: { role: 'OWNER' },
  create: { organizationId: org.id, userId: user.id, role: 'OWNER' },
});
// The local agent's state lives in the checkout (git-ignored), where npm start runs it.
await seedDemoPipeline(prisma, org.id, user.id, join(import.meta.dirname, '..', '.floe', 'demo-agent'));
await prisma.$disconnect();
console.log(`✓ seeded organization "${org.name}" with ${DEMO.email} as owner, and the demo pipeline`);
