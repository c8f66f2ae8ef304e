import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freshnessBadgeSvg } from './badge';
import { describeChanges } from './changes';
import { toDbtSourcesYaml } from './dbt';
import { type ContractedTable, contractSchema } from './model';
import { toOdcsYaml } from './odcs';

const contract = contractSchema.parse({
  description: 'Orders as they happen.',
  owner: { team: 'Checkout', contact: 'checkout@acme.test' },
  schema: {
    identifierFields: [{ name: 'order_id', logicalType: 'string' }],
    allowedChanges: 'compatible-widening',
  },
  deletes: 'append-only',
  retention: { snapshotDays: 7, minSnapshots: 10 },
  maintenance: { owner: 'Data platform', schedule: 'compaction hourly' },
  incidents: { channel: '#data-incidents', expectedRecoveryMinutes: 60 },
  slo: { freshnessMinutes: 5, targetPercent: 99, windowDays: 30, completenessPercent: 99.9 },
});
const table: ContractedTable = {
  name: 'orders',
  version: 3,
  namespace: ['sales', 'raw'],
  table: 'orders',
  topics: ['orders.v1'],
  partitioning: ['day(created_at)'],
  changes: describeChanges({ mode: 'upsert', key: ['order_id'], deletes: 'deletion-vectors' }),
};

describe('Open Data Contract Standard export', () => {
  it('is valid against the ODCS v3 JSON Schema (from the open-data-contract-standard package)', () => {
    expect(validate(toOdcsYaml(contract, table))).toEqual([]);
  });

  /** The stack's virtualenv carries the standard's own schema and a validator (infra/local/python/requirements.txt). */
  function validate(yaml: string): string[] {
    const check = spawnSync(
      process.env.FLOE_PYTHON as string,
      [
        '-c',
        `import json, sys, yaml, jsonschema, importlib.resources as r
schema = json.loads(r.files('open_data_contract_standard').joinpath('schema.json').read_text())
errors = sorted(jsonschema.Draft201909Validator(schema).iter_errors(yaml.safe_load(sys.stdin.read())), key=str)
print(json.dumps([f"{list(e.path)}: {e.message}" for e in errors]))`,
      ],
      { input: yaml, encoding: 'utf8' },
    );
    if (check.status !== 0) throw new Error(check.stderr);
    return JSON.parse(check.stdout);
  }

  it('carries the freshness and latency promise, the owner and the identifier fields', () => {
    const doc = parse(toOdcsYaml(contract, table));
    expect(doc).toMatchObject({
      apiVersion: 'v3.0.2',
      kind: 'DataContract',
      id: 'sales.raw.orders',
      version: '3.0.0',
    });
    expect(doc.slaProperties).toContainEqual(
      expect.objectContaining({ property: 'freshness', value: 5, unit: 'minutes' }),
    );
    expect(doc.slaProperties).toContainEqual(expect.objectContaining({ property: 'latency', value: 5 }));
    expect(doc.team.name).toBe('Checkout');
    expect(doc.schema[0]).toMatchObject({
      physicalName: 'sales.raw.orders',
      properties: [{ name: 'order_id', primaryKey: true }],
    });
  });

  it('says how the table keeps updated and deleted rows, from the pipeline mode', () => {
    expect(parse(toOdcsYaml(contract, table)).description.usage).toMatch(
      /^Upsert by key \(order_id\): the latest record per key is the row; tombstone → row deleted\. Updated and deleted rows are Iceberg format v3 deletion vectors/,
    );
    const cdc = describeChanges({ mode: 'cdc', key: ['id'], deletes: 'position-deletes' });
    expect(cdc).toContain('op d → row deleted; before-image not kept.');
    expect(cdc).toContain('format v2 position delete files');
    expect(describeChanges({ mode: 'upsert', key: ['id'], deletes: 'equality-deletes' })).toContain(
      'pyiceberg cannot read the table',
    );
  });
});

describe('dbt sources.yml export', () => {
  it('parses, and warns at the SLO and errors at twice it on the Kafka timestamp', () => {
    const doc = parse(toDbtSourcesYaml(contract, table));
    expect(doc.version).toBe(2);
    const [source] = doc.sources;
    expect(source).toMatchObject({
      name: 'sales_raw',
      schema: 'sales.raw',
      loaded_at_field: '_kafka.timestamp',
      freshness: { warn_after: { count: 5, period: 'minute' }, error_after: { count: 10, period: 'minute' } },
      tables: [{ name: 'orders' }],
    });
  });
});

describe('status badge', () => {
  it.each([
    [120, '2 min', '#3fb950'],
    [420, '7 min', '#d29922'],
    [3600, '60 min', '#f85149'],
    [Number.POSITIVE_INFINITY, 'stale', '#f85149'],
    [null, 'no data', '#9f9f9f'],
  ])('shows %s seconds as %s in %s', (seconds, text, color) => {
    const svg = freshnessBadgeSvg(seconds, 5);
    expect(svg).toContain(`>${text}</text>`);
    expect(svg).toContain(`fill="${color}"`);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });
});

describe('contract model', () => {
  it('names the field of each mistake', () => {
    const result = contractSchema.safeParse({
      ...contract,
      slo: { ...contract.slo, freshnessMinutes: 0, targetPercent: 120 },
    });
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'slo.freshnessMinutes: at least 1 minute',
      'slo.targetPercent: at most 100%',
    ]);
  });
});
