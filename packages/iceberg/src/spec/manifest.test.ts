import { describe, expect, it } from 'vitest';
import { readAvroFile } from './avro/container';
import { decimalRequiredBytes } from './avro/partition-avro';
import { type DataFile, type ManifestEntry, readManifest, writeManifest } from './manifest';
import { type ManifestFile, partitionSummaries, readManifestList, writeManifestList } from './manifest-list';
import { PartitionSpecBuilder } from './partition-spec';
import { newSchema } from './schema';
import { fromBinary } from './single-value';
import { optional, required, T } from './types';

const schema = newSchema([
  required('id', T.long),
  required('ts', T.timestamptz),
  optional('name', T.string),
  optional('amount', T.decimal(38, 2)),
  optional('score', T.double),
]);
const spec = new PartitionSpecBuilder(schema, { specId: 0 })
  .day('ts')
  .bucket('id', 8)
  .identity('amount')
  .identity('score')
  .truncate('name', 2)
  .build();
const big = (1n << 62n) + 7n; // beyond 2^53: must survive exactly

function dataFile(path: string, partition: DataFile['partition'], records: bigint): DataFile {
  return {
    content: 0,
    filePath: path,
    fileFormat: 'PARQUET',
    partition,
    recordCount: records,
    fileSizeInBytes: 1000n + records,
    columnSizes: new Map([[1, 10n]]),
    valueCounts: new Map([
      [1, records],
      [3, records],
    ]),
    nullValueCounts: new Map([[3, 0n]]),
    nanValueCounts: new Map([[5, 1n]]),
    lowerBounds: new Map([[1, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)]]),
    upperBounds: new Map([[1, Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0)]]),
    splitOffsets: [4n],
  };
}

const files = [
  dataFile('s3://b/t/data/a.parquet', [19_000, 3, -(10n ** 37n), 0.5, 'ab'], big),
  dataFile('s3://b/t/data/b.parquet', [19_002, 0, 10n ** 38n - 1n, Number.NaN, null], 5n),
];

describe('manifest files', () => {
  it('round-trips entries with 64-bit counts, every map and partition values of each result type', () => {
    const entries: ManifestEntry[] = files.map((f) => ({
      status: 1,
      snapshotId: big,
      sequenceNumber: null,
      fileSequenceNumber: null,
      dataFile: f,
    }));
    const bytes = writeManifest({ schema, spec, entries });
    const read = readManifest(bytes, schema, spec);
    expect(read.entries).toEqual(entries);
    expect(read.metadata).toMatchObject({
      'format-version': '2',
      content: 'data',
      'partition-spec-id': '0',
      'schema-id': '0',
    });
    expect(JSON.parse(read.metadata['partition-spec'] as string)).toHaveLength(5);
    expect(JSON.parse(read.metadata.schema as string).fields).toHaveLength(5);
  });

  it('writes the spec field ids into the Avro schema of the file, partition fields by partition field id', () => {
    const bytes = writeManifest({ schema, spec, entries: [] });
    const { schema: avro, records } = readAvroFile(bytes);
    expect(records).toEqual([]);
    const text = JSON.stringify(avro);
    for (const id of [
      0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 108, 109, 110, 117, 118, 125, 126, 127, 128, 137,
    ]) {
      expect(text).toContain(`"field-id":${id}`);
    }
    expect(text).toContain('"name":"k117_v118"');
    expect(text).toContain('"logicalType":"map"');
    const dataFileFields = (avro as { fields: { name: string; type: { fields?: unknown[] } }[] }).fields[4]
      ?.type.fields as {
      name: string;
      type: { fields: { name: string; 'field-id': number; type: unknown }[] };
    }[];
    const partition = dataFileFields.find((f) => f.name === 'partition')?.type;
    expect(partition?.fields.map((f) => [f.name, f['field-id']])).toEqual([
      ['ts_day', 1000],
      ['id_bucket', 1001],
      ['amount', 1002],
      ['score', 1003],
      ['name_trunc', 1004],
    ]);
    // decimal(38, 2) as the 16-byte fixed the spec requires for precision 38.
    expect(partition?.fields[2]?.type).toEqual([
      'null',
      { type: 'fixed', name: 'decimal_1002', size: 16, logicalType: 'decimal', precision: 38, scale: 2 },
    ]);
    expect([
      decimalRequiredBytes(9),
      decimalRequiredBytes(10),
      decimalRequiredBytes(18),
      decimalRequiredBytes(19),
    ]).toEqual([4, 5, 8, 9]);
  });
});

describe('manifest lists', () => {
  it('round-trips manifest entries and carries the snapshot ids in the header', () => {
    const manifest: ManifestFile = {
      manifestPath: 's3://b/t/metadata/m0.avro',
      manifestLength: 4321n,
      partitionSpecId: 0,
      content: 0,
      sequenceNumber: 3n,
      minSequenceNumber: 1n,
      addedSnapshotId: big,
      addedFilesCount: 2,
      existingFilesCount: 0,
      deletedFilesCount: 0,
      addedRowsCount: big + 5n,
      existingRowsCount: 0n,
      deletedRowsCount: 0n,
      partitions: partitionSummaries(spec, schema, files),
    };
    const bytes = writeManifestList({
      snapshotId: big,
      parentSnapshotId: null,
      sequenceNumber: 3n,
      manifests: [manifest],
    });
    expect(readManifestList(bytes)).toEqual([manifest]);
    expect(readAvroFile(bytes).metadata).toEqual({
      'snapshot-id': big.toString(),
      'parent-snapshot-id': 'null',
      'sequence-number': '3',
      'format-version': '2',
    });
  });

  it('summarizes partition values: bounds per result type, nulls and NaN flagged, NaN never a bound', () => {
    const [day, bucket, amount, score, name] = partitionSummaries(spec, schema, files);
    expect(
      day && [
        fromBinary(T.date, day.lowerBound as Uint8Array),
        fromBinary(T.date, day.upperBound as Uint8Array),
      ],
    ).toEqual([19_000, 19_002]);
    expect(bucket && [fromBinary(T.int, bucket.lowerBound as Uint8Array), bucket.containsNull]).toEqual([
      0,
      false,
    ]);
    const decimal = T.decimal(38, 2);
    expect(
      amount && [
        fromBinary(decimal, amount.lowerBound as Uint8Array),
        fromBinary(decimal, amount.upperBound as Uint8Array),
      ],
    ).toEqual([-(10n ** 37n), 10n ** 38n - 1n]);
    expect(score).toEqual({
      containsNull: false,
      containsNan: true,
      lowerBound: expect.any(Uint8Array),
      upperBound: expect.any(Uint8Array),
    });
    expect(fromBinary(T.double, score?.upperBound as Uint8Array)).toBe(0.5);
    expect(name && [name.containsNull, fromBinary(T.string, name.lowerBound as Uint8Array)]).toEqual([
      true,
      'ab',
    ]);
  });
});
