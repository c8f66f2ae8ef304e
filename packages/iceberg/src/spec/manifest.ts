import { stringifyJson } from '../util/json';
import { type AvroSchema, readAvroFile, writeAvroFile } from './avro/container';
import { partitionAvroSchema, partitionFromAvro, partitionToAvro } from './avro/partition-avro';
import { type PartitionSpec, partitionSpecToJson, partitionType } from './partition-spec';
import { type Schema, schemaToJson } from './schema';
import type { IcebergValue } from './values';

/** A data or delete file as a manifest describes it (spec "Manifests", data_file struct). */
export interface DataFile {
  /** 0 data, 1 position deletes, 2 equality deletes. */
  content: 0 | 1 | 2;
  filePath: string;
  fileFormat: 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN';
  /** One value per partition field of the manifest's spec, in spec order. */
  partition: IcebergValue[];
  recordCount: bigint;
  fileSizeInBytes: bigint;
  columnSizes?: Map<number, bigint>;
  valueCounts?: Map<number, bigint>;
  nullValueCounts?: Map<number, bigint>;
  nanValueCounts?: Map<number, bigint>;
  lowerBounds?: Map<number, Uint8Array>;
  upperBounds?: Map<number, Uint8Array>;
  splitOffsets?: bigint[];
  sortOrderId?: number;
  /** An equality delete file's fields: a row is deleted when its values of these equal a row of the file. */
  equalityIds?: number[];
  /** Format v3: the row id of a data file's first row (row lineage); unset, inherited from its manifest. */
  firstRowId?: bigint;
  /** Format v3: the one data file a deletion vector (a position delete blob in a Puffin file) applies to. */
  referencedDataFile?: string;
  /** Format v3: where a deletion vector's blob starts in its Puffin file, and its length. */
  contentOffset?: bigint;
  contentSizeInBytes?: bigint;
}

export const ManifestEntryStatus = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;

export interface ManifestEntry {
  status: 0 | 1 | 2;
  /** null: inherited from the manifest list entry (the snapshot that added the manifest). */
  snapshotId: bigint | null;
  /** null for entries added by this manifest's snapshot: they inherit its sequence number. */
  sequenceNumber: bigint | null;
  fileSequenceNumber: bigint | null;
  dataFile: DataFile;
}

const optional = (type: AvroSchema) => ['null', type];

// Maps with int keys are arrays of key/value records in Avro, with the spec's key and value ids.
function intMap(name: string, id: number, keyId: number, valueId: number, value: 'long' | 'bytes') {
  return {
    name,
    type: optional({
      type: 'array',
      logicalType: 'map',
      items: {
        type: 'record',
        name: `k${keyId}_v${valueId}`,
        fields: [
          { name: 'key', type: 'int', 'field-id': keyId },
          { name: 'value', type: value, 'field-id': valueId },
        ],
      },
    }),
    default: null,
    'field-id': id,
  };
}

/** Fields format v3 adds to data_file: row lineage, and where a deletion vector is. */
const V3_DATA_FILE_FIELDS = [
  { name: 'first_row_id', type: optional('long'), default: null, 'field-id': 142 },
  { name: 'referenced_data_file', type: optional('string'), default: null, 'field-id': 143 },
  { name: 'content_offset', type: optional('long'), default: null, 'field-id': 144 },
  { name: 'content_size_in_bytes', type: optional('long'), default: null, 'field-id': 145 },
];

export type FormatVersion = 2 | 3;

/** The manifest_entry Avro schema of format v2 or v3 with this partition type, field ids as the spec numbers them. */
export function manifestEntrySchema(partition: AvroSchema, formatVersion: FormatVersion = 2): AvroSchema {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: optional('long'), default: null, 'field-id': 1 },
      { name: 'sequence_number', type: optional('long'), default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: optional('long'), default: null, 'field-id': 4 },
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            { name: 'partition', type: partition, 'field-id': 102 },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            intMap('column_sizes', 108, 117, 118, 'long'),
            intMap('value_counts', 109, 119, 120, 'long'),
            intMap('null_value_counts', 110, 121, 122, 'long'),
            intMap('nan_value_counts', 137, 138, 139, 'long'),
            intMap('lower_bounds', 125, 126, 127, 'bytes'),
            intMap('upper_bounds', 128, 129, 130, 'bytes'),
            { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 131 },
            {
              name: 'split_offsets',
              type: optional({ type: 'array', items: 'long', 'element-id': 133 }),
              default: null,
              'field-id': 132,
            },
            {
              name: 'equality_ids',
              type: optional({ type: 'array', items: 'int', 'element-id': 136 }),
              default: null,
              'field-id': 135,
            },
            { name: 'sort_order_id', type: optional('int'), default: null, 'field-id': 140 },
            ...(formatVersion >= 3 ? V3_DATA_FILE_FIELDS : []),
          ],
        },
      },
    ],
  } as AvroSchema;
}

function mapToAvro<V>(map: Map<number, V> | undefined, convert: (v: V) => unknown) {
  return map === undefined ? null : [...map].map(([key, value]) => ({ key, value: convert(value) }));
}

function mapFromAvro<V>(entries: unknown, convert: (v: unknown) => V): Map<number, V> | undefined {
  if (entries === null || entries === undefined) return undefined;
  return new Map((entries as { key: number; value: unknown }[]).map((e) => [e.key, convert(e.value)]));
}

const asBytes = (v: unknown) => new Uint8Array(v as Buffer);
const same = <V>(v: unknown) => v as V;

export interface ManifestWriteInput {
  schema: Schema;
  spec: PartitionSpec;
  entries: readonly ManifestEntry[];
  /** 0: a manifest of data files (the default), 1: of delete files. */
  content?: 0 | 1;
  /** The table's format version (default 2). */
  formatVersion?: FormatVersion;
}

/** A v2 or v3 data or delete manifest with the header metadata readers use to interpret it. */
export function writeManifest({
  schema,
  spec,
  entries,
  content = 0,
  formatVersion = 2,
}: ManifestWriteInput): Uint8Array {
  const partition = partitionType(spec, schema);
  const avroSchema = manifestEntrySchema(partitionAvroSchema(partition), formatVersion);
  const records = entries.map((e) => ({
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.sequenceNumber,
    file_sequence_number: e.fileSequenceNumber,
    data_file: {
      content: e.dataFile.content,
      file_path: e.dataFile.filePath,
      file_format: e.dataFile.fileFormat,
      partition: partitionToAvro(partition, e.dataFile.partition),
      record_count: e.dataFile.recordCount,
      file_size_in_bytes: e.dataFile.fileSizeInBytes,
      column_sizes: mapToAvro(e.dataFile.columnSizes, same),
      value_counts: mapToAvro(e.dataFile.valueCounts, same),
      null_value_counts: mapToAvro(e.dataFile.nullValueCounts, same),
      nan_value_counts: mapToAvro(e.dataFile.nanValueCounts, same),
      lower_bounds: mapToAvro(e.dataFile.lowerBounds, (b) => Buffer.from(b)),
      upper_bounds: mapToAvro(e.dataFile.upperBounds, (b) => Buffer.from(b)),
      key_metadata: null,
      split_offsets: e.dataFile.splitOffsets ?? null,
      equality_ids: e.dataFile.equalityIds ?? null,
      sort_order_id: e.dataFile.sortOrderId ?? null,
      ...(formatVersion >= 3 && {
        first_row_id: e.dataFile.firstRowId ?? null,
        referenced_data_file: e.dataFile.referencedDataFile ?? null,
        content_offset: e.dataFile.contentOffset ?? null,
        content_size_in_bytes: e.dataFile.contentSizeInBytes ?? null,
      }),
    },
  }));
  return writeAvroFile(avroSchema, records, {
    schema: stringifyJson(schemaToJson(schema)),
    'schema-id': String(schema.schemaId),
    'partition-spec': stringifyJson(partitionSpecToJson(spec).fields),
    'partition-spec-id': String(spec.specId),
    'format-version': String(formatVersion),
    content: content === 0 ? 'data' : 'deletes',
  });
}

/** Reads a data manifest's entries; the partition tuple is read by field id with the given spec. */
export function readManifest(
  bytes: Uint8Array,
  schema: Schema,
  spec: PartitionSpec,
): { metadata: Record<string, string>; entries: ManifestEntry[] } {
  const file = readAvroFile(bytes);
  const partition = partitionType(spec, schema);
  const entrySchema = file.schema as { fields: { name: string; type: unknown }[] };
  const dataFileSchema = entrySchema.fields.find((f) => f.name === 'data_file')?.type as {
    fields: { name: string; type: unknown }[];
  };
  const partitionSchema = dataFileSchema.fields.find((f) => f.name === 'partition')?.type as {
    fields: { name: string; 'field-id'?: number }[];
  };
  const entries = (file.records as Record<string, unknown>[]).map((r) => {
    const d = r.data_file as Record<string, unknown>;
    const dataFile: DataFile = {
      content: (d.content ?? 0) as 0 | 1 | 2,
      filePath: d.file_path as string,
      fileFormat: (d.file_format as string).toUpperCase() as DataFile['fileFormat'],
      partition: partitionFromAvro(partition, partitionSchema, d.partition as Record<string, unknown>),
      recordCount: d.record_count as bigint,
      fileSizeInBytes: d.file_size_in_bytes as bigint,
    };
    const maps = {
      columnSizes: mapFromAvro(d.column_sizes, same<bigint>),
      valueCounts: mapFromAvro(d.value_counts, same<bigint>),
      nullValueCounts: mapFromAvro(d.null_value_counts, same<bigint>),
      nanValueCounts: mapFromAvro(d.nan_value_counts, same<bigint>),
      lowerBounds: mapFromAvro(d.lower_bounds, asBytes),
      upperBounds: mapFromAvro(d.upper_bounds, asBytes),
    };
    for (const [key, value] of Object.entries(maps)) {
      if (value !== undefined) (dataFile as unknown as Record<string, unknown>)[key] = value;
    }
    if (d.split_offsets != null) dataFile.splitOffsets = d.split_offsets as bigint[];
    if (d.sort_order_id != null) dataFile.sortOrderId = d.sort_order_id as number;
    if (d.equality_ids != null) dataFile.equalityIds = d.equality_ids as number[];
    if (d.first_row_id != null) dataFile.firstRowId = d.first_row_id as bigint;
    if (d.referenced_data_file != null) dataFile.referencedDataFile = d.referenced_data_file as string;
    if (d.content_offset != null) dataFile.contentOffset = d.content_offset as bigint;
    if (d.content_size_in_bytes != null) dataFile.contentSizeInBytes = d.content_size_in_bytes as bigint;
    return {
      status: r.status as 0 | 1 | 2,
      snapshotId: (r.snapshot_id ?? null) as bigint | null,
      sequenceNumber: (r.sequence_number ?? null) as bigint | null,
      fileSequenceNumber: (r.file_sequence_number ?? null) as bigint | null,
      dataFile,
    };
  });
  return { metadata: file.metadata, entries };
}
