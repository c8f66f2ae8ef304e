export { createPrismaClient, db } from './client';
export * from './generated/prisma/client';
