import { PrismaPg } from '@prisma/adapter-pg';
import { parse } from 'pg-connection-string';
import { PrismaClient } from './generated/prisma/client';

/** A Prisma client over the pg driver adapter (no native query engine to download). */
export function createPrismaClient(databaseUrl: string = requiredDatabaseUrl()): PrismaClient {
  const { host, port, user, password, database } = parse(databaseUrl);
  const adapter = new PrismaPg({
    host: host ?? undefined,
    port: Number(port ?? 5432),
    user,
    password,
    database: database ?? undefined,
    max: 10,
  });
  return new PrismaClient({ adapter });
}

function requiredDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (start the local stack with: npm run stack -- up)');
  return url;
}

const globalForPrisma = globalThis as unknown as { floePrisma?: PrismaClient };

/** The process-wide client, made on first use (kept across Next.js dev reloads). */
export function db(): PrismaClient {
  globalForPrisma.floePrisma ??= createPrismaClient();
  return globalForPrisma.floePrisma;
}
