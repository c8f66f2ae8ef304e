import {
  branchHead,
  type Catalog,
  type FileIO,
  type IcebergType,
  isPrimitive,
  liveDataFiles,
  type NestedField,
  primitiveToString,
  readDataFile,
  type Schema,
  type TableIdentifier,
  type TableMetadata,
} from '@floe/iceberg';
import { decodeOffsets, tpKey } from '../commit/offsets';
import { KAFKA_COLUMN } from '../mapping/map-record';
import { backfillBranch } from './backfill-runner';
import { DEAD_LETTERS_KEY, rangeOf } from './range';

export interface PartitionCheck {
  topic: string;
  partition: number;
  start: string;
  end: string;
  /** Offsets in the range: end minus start. */
  offsets: number;
  rows: number;
  deadLetters: number;
  /** Offsets held by more than one row, and rows of offsets outside the range: both must be 0. */
  duplicates: number;
  outsideRange: number;
  ok: boolean;
}

export interface BackfillValidation {
  ok: boolean;
  snapshotId: string;
  partitions: PartitionCheck[];
  /** Why the branch's schema would break a reader of the live table; empty when it would not. */
  schemaProblems: string[];
}

/**
 * Checks a backfill branch before it is published, from its data files (not from what the backfill
 * says it did): per partition, rows = offsets in the range − dead letters, no offset twice and none
 * outside the range; and every column of the live table's schema is in the branch's with its id, its
 * type and no stricter nullability (what a reader of the live table needs).
 */
export async function validateBackfill(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  backfillId: string,
): Promise<BackfillValidation> {
  const table = await catalog.loadTable(id);
  const { metadata } = table;
  const branch = backfillBranch(backfillId);
  const head = branchHead(metadata, branch);
  const range = head === undefined ? undefined : rangeOf(head.summary);
  if (head === undefined || range === undefined)
    throw new Error(`the table has no backfill branch ${branch}`);
  const dead = decodeOffsets(head.summary[DEAD_LETTERS_KEY] ?? '{}');
  const seen = new Map<string, number[]>();
  const schema = schemaAt(metadata, head.schemaId);
  const kafka = schema.fields.find((f) => f.name === KAFKA_COLUMN);
  if (kafka === undefined) throw new Error(`the table has no ${KAFKA_COLUMN} column to validate by`);
  const projection: Schema = { schemaId: schema.schemaId, fields: [kafka], identifierFieldIds: [] };
  for (const file of await liveDataFiles(io, metadata, head)) {
    for (const batch of await readDataFile(io, table, file, projection)) {
      const column = batch.getChildAt(0);
      const [topics, partitions, offsets] = ['topic', 'partition', 'offset'].map((name) =>
        column?.getChild(name),
      );
      for (let i = 0; i < batch.numRows; i += 1) {
        const key = tpKey(String(topics?.get(i)), Number(partitions?.get(i)));
        const list = seen.get(key) ?? [];
        list.push(Number(offsets?.get(i)));
        seen.set(key, list);
      }
    }
  }
  const checks = [...range.end].map(([key, end]): PartitionCheck => {
    const start = range.start.get(key) ?? end;
    const offsets = (seen.get(key) ?? []).sort((a, b) => a - b);
    let duplicates = 0;
    let outsideRange = 0;
    for (let i = 0; i < offsets.length; i += 1) {
      const offset = offsets[i] as number;
      if (i > 0 && offset === offsets[i - 1]) duplicates += 1;
      if (offset < Number(start) || offset >= Number(end)) outsideRange += 1;
    }
    const deadLetters = Number(dead.get(key) ?? 0n);
    const expected = Number(end - start);
    const at = key.lastIndexOf(':');
    return {
      topic: key.slice(0, at),
      partition: Number(key.slice(at + 1)),
      start: start.toString(),
      end: end.toString(),
      offsets: expected,
      rows: offsets.length,
      deadLetters,
      duplicates,
      outsideRange,
      ok: duplicates === 0 && outsideRange === 0 && offsets.length === expected - deadLetters,
    };
  });
  const live = branchHead(metadata, 'main');
  const schemaProblems =
    live === undefined ? [] : readerProblems(schemaAt(metadata, live.schemaId).fields, schema.fields);
  return {
    ok: checks.every((c) => c.ok) && schemaProblems.length === 0,
    snapshotId: head.snapshotId.toString(),
    partitions: checks,
    schemaProblems,
  };
}

function schemaAt(metadata: TableMetadata, schemaId: number | undefined): Schema {
  const id = schemaId ?? metadata.currentSchemaId;
  const schema = metadata.schemas.find((s) => s.schemaId === id);
  if (schema === undefined) throw new Error(`the table has no schema ${id}`);
  return schema;
}

const typeName = (type: IcebergType) => (isPrimitive(type) ? primitiveToString(type) : type.type);

/** Columns of the live schema the branch's lacks, or holds with another type or as required where they were optional. */
function readerProblems(live: readonly NestedField[], branch: readonly NestedField[], path = ''): string[] {
  const byId = new Map(branch.map((f) => [f.id, f]));
  return live.flatMap((field) => {
    const name = `${path}${field.name}`;
    const other = byId.get(field.id);
    if (other === undefined) return [`column ${name} (id ${field.id}) is missing`];
    if (typeName(other.type) !== typeName(field.type))
      return [`column ${name} is ${typeName(other.type)}, the live table has ${typeName(field.type)}`];
    if (other.required && !field.required)
      return [`column ${name} is required, the live table has it optional`];
    return field.type.type === 'struct' && other.type.type === 'struct'
      ? readerProblems(field.type.fields, other.type.fields, `${name}.`)
      : [];
  });
}
