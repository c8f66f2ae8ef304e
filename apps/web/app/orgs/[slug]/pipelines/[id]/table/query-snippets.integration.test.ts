import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { querySnippets, type TableAccess } from './query-snippets';

const rest: TableAccess = {
  catalog: { type: 'rest', uri: 'https://catalog.internal', warehouse: 's3://acme-lake/', needsToken: true },
  storage: { bucket: 'acme-lake', region: 'eu-west-1', endpoint: null },
  namespace: ['sales', 'raw'],
  name: 'orders',
};

describe('query snippets', () => {
  it('names the real catalog and table for each engine, and reads the token from the environment', () => {
    const snippets = querySnippets(rest);
    expect(snippets.map((s) => s.engine)).toEqual(['Spark', 'Trino', 'DuckDB', 'pyiceberg', 'Snowflake']);
    for (const s of snippets) {
      expect(s.code, s.engine).toContain('https://catalog.internal');
      // Snowflake names the namespace and the table apart (its own test below).
      expect(s.code, s.engine).toMatch(/sales\.raw\.orders|'sales\.raw'[\s\S]*'orders'/);
      expect(s.code, s.engine).toContain('ICEBERG_TOKEN');
    }
  });

  it('sends no token setting to a catalog that needs none, and points S3 at a custom endpoint', () => {
    const local = querySnippets({
      ...rest,
      catalog: { ...rest.catalog, needsToken: false } as TableAccess['catalog'],
      storage: { bucket: 'acme-lake', region: 'us-east-1', endpoint: 'http://127.0.0.1:15000' },
    });
    for (const s of local) {
      expect(s.code, s.engine).not.toContain('TOKEN');
      expect(s.code, s.engine).toMatch(/127\.0\.0\.1:15000/);
    }
  });

  it('configures a Glue catalog by region and catalog id', () => {
    const glue = querySnippets({
      ...rest,
      catalog: { type: 'glue', region: 'eu-west-1', catalogId: '123456789012' },
    });
    for (const s of glue) expect(s.code, s.engine).toMatch(/glue/i);
    expect(glue.find((s) => s.engine === 'pyiceberg')?.code).toContain('"glue.id": "123456789012"');
  });

  it('configures a Hive Metastore catalog by its uri, for the engines that read one', () => {
    const hive = querySnippets({
      ...rest,
      catalog: { type: 'hive', uri: 'thrift://metastore.internal:9083' },
    });
    expect(hive.map((s) => s.engine)).toEqual(['Spark', 'Trino']);
    expect(hive[0]?.code).toContain('--conf spark.sql.catalog.floe.type=hive \\');
    expect(hive[0]?.code).toContain('--conf spark.sql.catalog.floe.uri=thrift://metastore.internal:9083 \\');
    expect(hive[1]?.code).toContain(
      'iceberg.catalog.type=hive_metastore\nhive.metastore.uri=thrift://metastore.internal:9083',
    );
  });

  const snowflake = (access: TableAccess) =>
    querySnippets(access).find((s) => s.engine === 'Snowflake')?.code;

  it('reads the table in Snowflake through a REST catalog integration and an external volume on the bucket', () => {
    const sql = snowflake(rest);
    expect(sql).toContain('CATALOG_SOURCE = ICEBERG_REST');
    expect(sql).toContain(
      "REST_CONFIG = (CATALOG_URI = 'https://catalog.internal' CATALOG_NAME = 's3://acme-lake/')",
    );
    // The Snowflake CLI fills the token in from the reader's environment; the snippet never holds it.
    expect(sql).toContain("BEARER_TOKEN = '&{ iceberg_token }'");
    expect(sql).toContain('-D "iceberg_token=$ICEBERG_TOKEN"');
    expect(sql).toContain("STORAGE_BASE_URL = 's3://acme-lake/'");
    expect(sql).toContain("CATALOG_NAMESPACE = 'sales.raw'");
    expect(sql).toContain("CATALOG_TABLE_NAME = 'orders'");
    expect(sql).toMatch(/SELECT \* FROM orders LIMIT 10;$/);
    expect(
      snowflake({ ...rest, catalog: { ...rest.catalog, needsToken: false } as TableAccess['catalog'] }),
    ).not.toContain('REST_AUTHENTICATION');
  });

  it('reads the table in Snowflake through a Glue catalog integration, and S3-compatible storage by its endpoint', () => {
    const sql = snowflake({
      ...rest,
      catalog: { type: 'glue', region: 'eu-west-1', catalogId: '123456789012' },
      storage: { bucket: 'acme-lake', region: 'eu-west-1', endpoint: 'https://minio.internal:9000' },
    });
    expect(sql).toContain('CATALOG_SOURCE = GLUE');
    expect(sql).toContain("GLUE_CATALOG_ID = '123456789012'");
    expect(sql).toContain("GLUE_REGION = 'eu-west-1'");
    expect(sql).toContain("STORAGE_PROVIDER = 'S3COMPAT'");
    expect(sql).toContain("STORAGE_BASE_URL = 's3compat://acme-lake/'");
    expect(sql).toContain("STORAGE_ENDPOINT = 'minio.internal:9000'");
  });

  // The local stack's pyiceberg (the one the table tests read with) checks the Python is valid.
  it.runIf(process.env.FLOE_PYTHON)('writes Python that compiles', () => {
    const python = querySnippets(rest).find((s) => s.engine === 'pyiceberg')?.code ?? '';
    execFileSync(
      process.env.FLOE_PYTHON as string,
      ['-c', 'import sys; compile(sys.stdin.read(), "snippet", "exec")'],
      {
        input: python,
      },
    );
  });
});
