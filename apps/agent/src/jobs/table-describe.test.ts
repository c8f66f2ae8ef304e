import { tableMetadataFromJson } from '@floe/iceberg';
import { tableDescriptionSchema } from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { tableDescription } from './table-describe';

const long = `c_${'x'.repeat(150)}`;
/** A struct nested `depth` levels, one field each. */
const nested = (depth: number, id: number): object =>
  depth === 0
    ? { id, name: 'leaf', required: false, type: 'string' }
    : {
        id,
        name: `level${depth}`,
        required: false,
        type: { type: 'struct', fields: [nested(depth - 1, id + 1)] },
      };
const columns = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: from + i,
    name: `col_${from + i}`,
    required: false,
    type: 'long',
  }));
const snapshot = (id: number, ms: number, summary: Record<string, string>) => ({
  'snapshot-id': id,
  'sequence-number': id,
  'timestamp-ms': ms,
  'manifest-list': `s3://b/t/metadata/snap-${id}.avro`,
  summary,
});

const metadata = tableMetadataFromJson({
  'format-version': 2,
  'table-uuid': '9c12d441-03fe-4693-9a96-a0705ddf69c1',
  location: 's3://b/t',
  'last-sequence-number': 3,
  'last-updated-ms': 1_767_225_600_000,
  'last-column-id': 200,
  'current-schema-id': 1,
  schemas: [
    {
      type: 'struct',
      'schema-id': 0,
      fields: [...columns(1, 30), { id: 40, name: long, required: true, type: 'string' }],
    },
    { type: 'struct', 'schema-id': 1, fields: [...columns(26, 30), nested(12, 100)] },
  ],
  'default-spec-id': 0,
  'partition-specs': [
    {
      'spec-id': 0,
      fields: [{ 'source-id': 26, 'field-id': 1000, name: 'col_26_bucket', transform: 'bucket[16]' }],
    },
  ],
  'last-partition-id': 1000,
  'default-sort-order-id': 0,
  'sort-orders': [{ 'order-id': 0, fields: [] }],
  properties: {},
  'current-snapshot-id': 3,
  snapshots: [
    snapshot(1, 1000, {
      operation: 'append',
      'floe.commit-id': 'a',
      'floe.offsets.pl-1': '{}',
      'added-records': '10',
    }),
    snapshot(2, 2000, {
      operation: 'replace',
      'floe.commit-id': 'b',
      'added-data-files': '1',
      'deleted-data-files': '4',
    }),
    snapshot(3, 3000, {
      operation: 'overwrite',
      'spark.app.id': 'x',
      'total-records': '10',
      'total-data-files': '1',
    }),
  ],
  'snapshot-log': [],
  'metadata-log': [],
  refs: { main: { 'snapshot-id': 3, type: 'branch' } },
});

describe('tableDescription', () => {
  const described = tableDescription(metadata);

  it('fits the protocol, however long, deep or changed the schema', () => {
    expect(tableDescriptionSchema.safeParse({ ...described, fileSizes: null }).success).toBe(true);
    expect(Math.max(...described.columns.map((c) => c.path.length))).toBe(8);
    const first = described.schemaHistory[0];
    expect(first?.added).toHaveLength(20);
    expect(first?.addedCount).toBe(31);
    expect(first?.added.every((name) => name.length <= 200)).toBe(true);
    expect(described.schemaHistory[1]).toMatchObject({ droppedCount: 25, addedCount: 32 });
  });

  it('says who wrote each snapshot, newest first, with counts from the summaries', () => {
    expect(described.snapshots.map((s) => [s.snapshotId, s.operation, s.writer])).toEqual([
      ['3', 'overwrite', 'other'],
      ['2', 'replace', 'compaction'],
      ['1', 'append', 'ingest'],
    ]);
    expect(described.snapshots[1]).toMatchObject({ addedDataFiles: 1, deletedDataFiles: 4 });
    expect(described.totals).toEqual({ records: 10, dataFiles: 1, deleteFiles: 0, filesBytes: 0 });
    expect(described.partitionSpec).toEqual([
      { fieldId: 1000, sourceId: 26, name: 'col_26_bucket', transform: 'bucket[16]' },
    ]);
  });
});
