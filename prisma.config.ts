// Prisma CLI configuration. Prisma's native engines come from a download host our machines
// cannot reach, so the CLI runs its JavaScript schema engine over the `pg` driver adapter.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { defineConfig } from 'prisma/config';

const PG_CHAR = 18;
const PG_TEXT = 25;

type QueryResult = { fields?: { dataTypeID: number }[] } | undefined;
type Queryable = { performIO(query: unknown): Promise<QueryResult> };

/**
 * The schema engine reads pg_catalog columns of type "char", which the adapter cannot map
 * ("Column type 'char' could not be deserialized"); their text value is a one-letter string,
 * so they are read as text.
 */
function readCharAsText<T extends object>(adapter: T): T {
  const queryable = adapter as unknown as Queryable;
  const performIO = queryable.performIO.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result?.fields ?? []) if (field.dataTypeID === PG_CHAR) field.dataTypeID = PG_TEXT;
    return result;
  };
  return adapter;
}

/**
 * The stock adapter drops its shadow database while its own pool still holds a connection
 * ("database ... is being accessed by other users"), so `migrate diff --from-migrations`
 * always fails here. This one closes the pool first and drops with FORCE.
 */
class PgAdapterWithShadowDatabase extends PrismaPg {
  constructor(private readonly settings: pg.PoolConfig) {
    super(settings);
  }

  override async connect() {
    return readCharAsText(await super.connect());
  }

  override async connectToShadowDb() {
    const database = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    await this.admin(`CREATE DATABASE "${database}"`);
    const shadow = readCharAsText(await new PrismaPg({ ...this.settings, database }).connect());
    const closePool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await closePool();
      await this.admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    };
    return shadow;
  }

  private async admin(sql: string) {
    const client = new pg.Client(this.settings);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url)
      throw new Error('DATABASE_URL is not set: start the local stack (npm run stack -- up) or set it');
    // Separate fields, not a connection string: the adapter makes its shadow database by
    // overriding `database`, which a connection string would silently win over.
    const { host, port, user, password, database } = parse(url);
    return new PgAdapterWithShadowDatabase({
      host: host ?? undefined,
      port: Number(port ?? 5432),
      user,
      password,
      database: database ?? undefined,
    });
  },
});
