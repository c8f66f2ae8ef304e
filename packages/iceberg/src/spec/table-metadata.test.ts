import { describe, expect, it } from 'vitest';
import { parseJson } from '../util/json';
import {
  currentSchema,
  currentSnapshot,
  defaultSpec,
  parseTableMetadata,
  stringifyTableMetadata,
} from './table-metadata';

// Shaped like the metadata the Java REST catalog writes, with 63-bit snapshot ids.
const TEXT = JSON.stringify({
  'format-version': 2,
  'table-uuid': '9c12d441-03fe-4693-9a96-a0705ddf69c1',
  location: 's3://warehouse/db/events',
  'last-sequence-number': 2,
  'last-updated-ms': 1700000000123,
  'last-column-id': 3,
  'current-schema-id': 0,
  schemas: [
    {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'ts', required: false, type: 'timestamptz' },
        { id: 3, name: 'amount', required: false, type: 'decimal(9, 2)' },
      ],
    },
  ],
  'default-spec-id': 0,
  'partition-specs': [
    { 'spec-id': 0, fields: [{ name: 'ts_day', transform: 'day', 'source-id': 2, 'field-id': 1000 }] },
  ],
  'last-partition-id': 1000,
  'default-sort-order-id': 0,
  'sort-orders': [{ 'order-id': 0, fields: [] }],
  properties: { 'write.format.default': 'parquet' },
  'current-snapshot-id': '@@B',
  refs: {
    main: { 'snapshot-id': '@@B', type: 'branch' },
    audit: { 'snapshot-id': '@@A', type: 'tag', 'max-ref-age-ms': 86400000 },
  },
  snapshots: [
    {
      'snapshot-id': '@@A',
      'sequence-number': 1,
      'timestamp-ms': 1700000000000,
      'manifest-list': 's3://warehouse/db/events/metadata/snap-a.avro',
      summary: { operation: 'append', 'added-records': '10' },
      'schema-id': 0,
    },
    {
      'snapshot-id': '@@B',
      'parent-snapshot-id': '@@A',
      'sequence-number': 2,
      'timestamp-ms': 1700000000100,
      'manifest-list': 's3://warehouse/db/events/metadata/snap-b.avro',
      summary: { operation: 'append', 'floe.offsets': '{"orders-0":"9007199254740993"}' },
      'schema-id': 0,
    },
  ],
  'snapshot-log': [{ 'snapshot-id': '@@A', 'timestamp-ms': 1700000000000 }],
  'metadata-log': [
    { 'metadata-file': 's3://warehouse/db/events/metadata/00000-x.metadata.json', 'timestamp-ms': 1 },
  ],
  statistics: [
    {
      'snapshot-id': '@@B',
      'statistics-path': 's3://warehouse/db/events/metadata/b.stats',
      'file-size-in-bytes': 413,
      'file-footer-size-in-bytes': 42,
      'blob-metadata': [
        {
          type: 'apache-datasketches-theta-v1',
          'snapshot-id': '@@B',
          'sequence-number': 2,
          fields: [1],
          properties: { ndv: '10' },
        },
      ],
    },
  ],
  'partition-statistics': [
    {
      'snapshot-id': '@@A',
      'statistics-path': 's3://warehouse/db/events/metadata/a.partition-stats.parquet',
      'file-size-in-bytes': 43,
    },
  ],
})
  .replaceAll('"@@A"', '9223372036854775807')
  .replaceAll('"@@B"', '6066838374395468405');

describe('table metadata JSON', () => {
  it('reads 63-bit snapshot ids exactly and finds the current schema, spec and snapshot', () => {
    const m = parseTableMetadata(TEXT);
    expect(m.currentSnapshotId).toBe(6066838374395468405n);
    expect(m.refs.audit).toEqual({ snapshotId: 9223372036854775807n, type: 'tag', maxRefAgeMs: 86400000n });
    expect(currentSnapshot(m)).toMatchObject({ parentSnapshotId: 9223372036854775807n, sequenceNumber: 2n });
    expect(currentSnapshot(m)?.summary['floe.offsets']).toBe('{"orders-0":"9007199254740993"}');
    expect(currentSchema(m).fields.map((f) => f.name)).toEqual(['id', 'ts', 'amount']);
    expect(defaultSpec(m).fields[0]?.name).toBe('ts_day');
    expect(m.statistics?.[0]).toMatchObject({ snapshotId: 6066838374395468405n, fileFooterSizeInBytes: 42n });
    expect(m.partitionStatistics?.[0]?.statisticsPath).toMatch(/a\.partition-stats\.parquet$/);
  });

  it('writes every id back digit for digit (a round trip changes nothing)', () => {
    const written = stringifyTableMetadata(parseTableMetadata(TEXT));
    expect(written).toContain('"current-snapshot-id":6066838374395468405');
    expect(written).toContain('"snapshot-id":9223372036854775807');
    expect(parseJson(written, new Set(['snapshot-id', 'current-snapshot-id', 'parent-snapshot-id']))).toEqual(
      parseJson(
        TEXT.replace('"decimal(9, 2)"', '"decimal(9,2)"'),
        new Set(['snapshot-id', 'current-snapshot-id', 'parent-snapshot-id']),
      ),
    );
  });

  it('names the member that is wrong', () => {
    expect(() =>
      parseTableMetadata(
        TEXT.replace('"manifest-list":"s3://warehouse/db/events/metadata/snap-a.avro"', '"manifest-list":3'),
      ),
    ).toThrow('manifest-list of snapshot 9223372036854775807 must be a string');
  });
});
