import type { RecordBatch } from 'apache-arrow';
import { type PartitionSpec, partitioner, partitionPath } from '../spec/partition-spec';
import { type Schema, schemaStruct } from '../spec/schema';
import type { IcebergType } from '../spec/types';
import { type IcebergValue, tupleKey } from '../spec/values';
import { columnReader } from './arrow-values';
import type { Row } from './rows-to-arrow';

/** How a row reaches each partition source column: its path of names, through structs only. */
function sourcePaths(schema: Schema): Map<number, string[]> {
  const paths = new Map<number, string[]>();
  const visit = (type: IcebergType, prefix: string[]) => {
    if (type.type !== 'struct') return;
    for (const f of type.fields) {
      paths.set(f.id, [...prefix, f.name]);
      visit(f.type, [...prefix, f.name]);
    }
  };
  visit(schemaStruct(schema), []);
  return paths;
}

function valueAt(row: Row, path: readonly string[]): IcebergValue {
  let current: unknown = row;
  for (const name of path) {
    if (current == null) return null;
    current = (current as Row)[name];
  }
  return (current ?? null) as IcebergValue;
}

/** Splits rows by their partition tuple (in first-seen order). */
export function partitionRows(
  schema: Schema,
  spec: PartitionSpec,
  rows: readonly Row[],
): { partition: IcebergValue[]; rows: Row[] }[] {
  if (rows.length === 0) return [];
  if (spec.fields.length === 0) return [{ partition: [], rows: [...rows] }];
  const paths = sourcePaths(schema);
  const partitionOf = partitioner(spec, schema);
  const groups = new Map<string, { partition: IcebergValue[]; rows: Row[] }>();
  for (const row of rows) {
    const partition = partitionOf((id) => valueAt(row, paths.get(id) ?? []));
    const key = tupleKey(partition);
    let group = groups.get(key);
    if (group === undefined) {
      group = { partition, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()];
}

/**
 * The one partition tuple every row of `batches` has; throws naming the first row that differs
 * (Arrow input is written as it comes, so a caller splits it by partition first).
 */
export function batchPartition(
  schema: Schema,
  spec: PartitionSpec,
  batches: readonly RecordBatch[],
): IcebergValue[] {
  let first: { partition: IcebergValue[]; key: string } | undefined;
  // Looked up at the first row, as before: a batch list without rows has no partition to check.
  let partitionOf: ReturnType<typeof partitioner> | undefined;
  for (const [b, batch] of batches.entries()) {
    const readers = new Map(spec.fields.map((f) => [f.sourceId, columnReader(schema, batch, f.sourceId)]));
    for (let row = 0; row < batch.numRows; row += 1) {
      partitionOf ??= partitioner(spec, schema);
      const partition = partitionOf((id) => (readers.get(id) as (r: number) => IcebergValue)(row));
      const key = tupleKey(partition);
      if (first === undefined) first = { partition, key };
      else if (key !== first.key) {
        throw new Error(
          `batch ${b} row ${row} is in partition ${partitionPath(spec, schema, partition)}, not ${partitionPath(spec, schema, first.partition)}: write one partition per call`,
        );
      }
    }
  }
  return first?.partition ?? spec.fields.map(() => null);
}
