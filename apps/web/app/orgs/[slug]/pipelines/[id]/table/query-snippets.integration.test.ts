import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { querySnippets, type TableAccess } from './query-snippets';

const rest: TableAccess = {
  catalog: { type: 'rest', uri: 'https://catalog.internal', warehouse: 's3://acme-lake/', needsToken: true },
  storage: { region: 'eu-west-1', endpoint: null },
  namespace: ['sales', 'raw'],
  name: 'orders',
};

describe('query snippets', () => {
  it('names the real catalog and table for each engine, and reads the token from the environment', () => {
    const snippets = querySnippets(rest);
    expect(snippets.map((s) => s.engine)).toEqual(['Spark', 'Trino', 'DuckDB', 'pyiceberg']);
    for (const s of snippets) {
      expect(s.code, s.engine).toContain('https://catalog.internal');
      expect(s.code, s.engine).toContain('sales.raw.orders');
      expect(s.code, s.engine).toContain('ICEBERG_TOKEN');
    }
  });

  it('sends no token setting to a catalog that needs none, and points S3 at a custom endpoint', () => {
    const local = querySnippets({
      ...rest,
      catalog: { ...rest.catalog, needsToken: false } as TableAccess['catalog'],
      storage: { region: 'us-east-1', endpoint: 'http://127.0.0.1:15000' },
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
