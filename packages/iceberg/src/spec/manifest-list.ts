import { type AvroSchema, readAvroFile, writeAvroFile } from './avro/container';
import type { DataFile } from './manifest';
import type { PartitionSpec } from './partition-spec';
import { partitionType } from './partition-spec';
import type { Schema } from './schema';
import { toBinary } from './single-value';
import type { PrimitiveType } from './types';
import type { IcebergValue } from './values';

/** Per partition field: whether any file holds null/NaN there, and the range of its values. */
export interface FieldSummary {
  containsNull: boolean;
  containsNan?: boolean;
  lowerBound?: Uint8Array;
  upperBound?: Uint8Array;
}

/** One manifest as a manifest list describes it (spec "Manifest Lists", manifest_file struct). */
export interface ManifestFile {
  manifestPath: string;
  manifestLength: bigint;
  partitionSpecId: number;
  /** 0 data, 1 deletes. */
  content: 0 | 1;
  sequenceNumber: bigint;
  minSequenceNumber: bigint;
  addedSnapshotId: bigint;
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: bigint;
  existingRowsCount: bigint;
  deletedRowsCount: bigint;
  partitions?: FieldSummary[];
  keyMetadata?: Uint8Array;
  /** Format v3, data manifests: the row id of the first row of its first data file without one of its own. */
  firstRowId?: bigint;
}

const optional = (type: AvroSchema) => ['null', type];

const MANIFEST_FILE_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: optional({
        type: 'array',
        'element-id': 508,
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: optional('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: optional('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: optional('bytes'), default: null, 'field-id': 511 },
          ],
        },
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 519 },
  ],
};

const MANIFEST_FILE_SCHEMA_V3: AvroSchema = {
  ...(MANIFEST_FILE_SCHEMA as { fields: unknown[] }),
  fields: [
    ...(MANIFEST_FILE_SCHEMA as { fields: unknown[] }).fields,
    { name: 'first_row_id', type: optional('long'), default: null, 'field-id': 520 },
  ],
} as AvroSchema;

export interface ManifestListWriteInput {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
  manifests: readonly ManifestFile[];
  /** Format v3: the snapshot's first-row-id (its data manifests' first_row_id are assigned from it). */
  firstRowId?: bigint;
}

/** A v2 manifest list, or v3 when the snapshot has a first-row-id. */
export function writeManifestList(input: ManifestListWriteInput): Uint8Array {
  const v3 = input.firstRowId !== undefined;
  const records = input.manifests.map((m) => ({
    manifest_path: m.manifestPath,
    manifest_length: m.manifestLength,
    partition_spec_id: m.partitionSpecId,
    content: m.content,
    sequence_number: m.sequenceNumber,
    min_sequence_number: m.minSequenceNumber,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions:
      m.partitions?.map((p) => ({
        contains_null: p.containsNull,
        contains_nan: p.containsNan ?? null,
        lower_bound: p.lowerBound === undefined ? null : Buffer.from(p.lowerBound),
        upper_bound: p.upperBound === undefined ? null : Buffer.from(p.upperBound),
      })) ?? null,
    key_metadata: m.keyMetadata === undefined ? null : Buffer.from(m.keyMetadata),
    ...(v3 && { first_row_id: m.firstRowId ?? null }),
  }));
  return writeAvroFile(v3 ? MANIFEST_FILE_SCHEMA_V3 : MANIFEST_FILE_SCHEMA, records, {
    'snapshot-id': input.snapshotId.toString(),
    'parent-snapshot-id': input.parentSnapshotId === null ? 'null' : input.parentSnapshotId.toString(),
    'sequence-number': input.sequenceNumber.toString(),
    ...(v3 && { 'first-row-id': String(input.firstRowId) }),
    'format-version': v3 ? '3' : '2',
  });
}

/** Reads a v2 or v3 manifest list by field id, whichever implementation wrote it. */
export function readManifestList(bytes: Uint8Array): ManifestFile[] {
  const file = readAvroFile(bytes);
  const names = new Map<number, string>();
  for (const f of (file.schema as { fields: { name: string; 'field-id'?: number }[] }).fields) {
    if (f['field-id'] !== undefined) names.set(f['field-id'], f.name);
  }
  return (file.records as Record<string, unknown>[]).map((r) => {
    const get = (id: number) => {
      const name = names.get(id);
      return name === undefined ? undefined : r[name];
    };
    const required = (id: number) => {
      const v = get(id);
      if (v === undefined || v === null) throw new Error(`manifest list entry lacks field ${id}`);
      return v;
    };
    const manifest: ManifestFile = {
      manifestPath: required(500) as string,
      manifestLength: required(501) as bigint,
      partitionSpecId: required(502) as number,
      content: (get(517) ?? 0) as 0 | 1,
      sequenceNumber: required(515) as bigint,
      minSequenceNumber: required(516) as bigint,
      addedSnapshotId: required(503) as bigint,
      addedFilesCount: required(504) as number,
      existingFilesCount: required(505) as number,
      deletedFilesCount: required(506) as number,
      addedRowsCount: required(512) as bigint,
      existingRowsCount: required(513) as bigint,
      deletedRowsCount: required(514) as bigint,
    };
    const partitions = get(507) as Record<string, unknown>[] | null | undefined;
    if (partitions != null) {
      manifest.partitions = partitions.map((p) => {
        const summary: FieldSummary = { containsNull: p.contains_null as boolean };
        if (p.contains_nan != null) summary.containsNan = p.contains_nan as boolean;
        if (p.lower_bound != null) summary.lowerBound = new Uint8Array(p.lower_bound as Buffer);
        if (p.upper_bound != null) summary.upperBound = new Uint8Array(p.upper_bound as Buffer);
        return summary;
      });
    }
    const keyMetadata = get(519);
    if (keyMetadata != null) manifest.keyMetadata = new Uint8Array(keyMetadata as Buffer);
    const firstRowId = get(520);
    if (firstRowId != null) manifest.firstRowId = firstRowId as bigint;
    return manifest;
  });
}

// Order of partition values by type: numbers and bigints numerically, strings and bytes by unsigned bytes.
export function compareValues(
  type: PrimitiveType,
  a: Exclude<IcebergValue, null>,
  b: Exclude<IcebergValue, null>,
): number {
  if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'boolean') {
    return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
  }
  return Buffer.compare(toBinary(type, a), toBinary(type, b));
}

/** The partition field summaries of a manifest's files, for the manifest list (what planners prune on). */
export function partitionSummaries(
  spec: PartitionSpec,
  schema: Schema,
  files: readonly DataFile[],
): FieldSummary[] {
  const fields = partitionType(spec, schema).fields;
  return fields.map((field, i) => {
    const type = field.type as PrimitiveType;
    const floating = type.type === 'float' || type.type === 'double';
    let containsNull = false;
    let containsNan = false;
    let min: Exclude<IcebergValue, null> | undefined;
    let max: Exclude<IcebergValue, null> | undefined;
    for (const file of files) {
      const v = file.partition[i] ?? null;
      if (v === null) containsNull = true;
      else if (floating && Number.isNaN(v)) containsNan = true;
      else {
        if (min === undefined || compareValues(type, v, min) < 0) min = v;
        if (max === undefined || compareValues(type, v, max) > 0) max = v;
      }
    }
    const summary: FieldSummary = { containsNull };
    if (floating) summary.containsNan = containsNan;
    if (min !== undefined) summary.lowerBound = toBinary(type, min);
    if (max !== undefined) summary.upperBound = toBinary(type, max);
    return summary;
  });
}
