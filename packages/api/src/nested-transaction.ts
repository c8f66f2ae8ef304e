import type { Prisma, PrismaClient } from '@floe/db';

/**
 * A transaction client that handlers and the modules they call can use as the database: its
 * `$transaction` joins the open transaction instead of failing (Prisma transactions do not nest),
 * so code written for a client (a pipeline lock, a batch of writes) commits with the caller's
 * change and its audit row.
 */
export function asNestableClient(tx: Prisma.TransactionClient): PrismaClient {
  const client: PrismaClient = new Proxy(tx, {
    get(target, property) {
      if (property !== '$transaction') return Reflect.get(target, property);
      return (work: unknown) =>
        typeof work === 'function' ? work(client) : Promise.all(work as Promise<unknown>[]);
    },
  }) as unknown as PrismaClient;
  return client;
}
