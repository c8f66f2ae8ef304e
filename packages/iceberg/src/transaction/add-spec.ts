import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import { type PartitionField, type PartitionSpec, PartitionSpecBuilder } from '../spec/partition-spec';
import { currentSchema, type TableMetadata } from '../spec/table-metadata';
import { parseTransform, transformToString } from '../transform/transform';
import { commitChange } from './commit-loop';
import type { RetryOptions } from './retry';

/** A partition field as a pipeline names it, e.g. `{ source: 'ts', transform: 'day' }`. */
export interface PartitionFieldRequest {
  source: string;
  transform: string;
}

/**
 * Adds a partition spec of `fields` (over the current schema) to the table without making it the
 * default (REST `add-spec`, asserting the last assigned partition field id), so that writers can
 * write files in it beside the default spec's. A spec with the same fields is used again rather than
 * added twice. A field whose source and transform an earlier spec had keeps that field's id, as the
 * reference's UpdatePartitionSpec does in format v2; a new one takes the next id. Throws, naming the
 * field, when a column does not exist or the transform does not apply to it.
 */
export async function addPartitionSpec(
  catalog: Catalog,
  id: TableIdentifier,
  fields: readonly PartitionFieldRequest[],
  options: RetryOptions = {},
): Promise<PartitionSpec> {
  let spec: PartitionSpec | undefined;
  const committed = await commitChange(
    catalog,
    await catalog.loadTable(id),
    {
      what: 'a partition spec was added',
      apply: async ({ metadata }: LoadedTable) => {
        const wanted = specFor(metadata, fields);
        spec = sameSpec(metadata, wanted);
        if (spec !== undefined) return undefined;
        spec = wanted;
        return {
          requirements: [
            { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: metadata.lastPartitionId },
          ],
          updates: [{ action: 'add-spec', spec: wanted }],
        };
      },
      landed: ({ metadata }, sawUnknown) =>
        sawUnknown && sameSpec(metadata, spec as PartitionSpec) !== undefined,
    },
    options,
  );
  // The catalog may number the spec itself: the committed metadata's own spec is the one to write in.
  return sameSpec(committed.table.metadata, spec as PartitionSpec) as PartitionSpec;
}

/** The spec the fields make on this table's current schema, numbered after its specs and fields. */
function specFor(metadata: TableMetadata, fields: readonly PartitionFieldRequest[]): PartitionSpec {
  const builder = new PartitionSpecBuilder(currentSchema(metadata));
  for (const [i, field] of fields.entries()) {
    try {
      builder.add(field.source, parseTransform(field.transform));
    } catch (error) {
      throw new Error(
        `partition field ${i + 1} (${field.transform}(${field.source})): ${(error as Error).message}`,
      );
    }
  }
  const earlier = metadata.partitionSpecs.flatMap((s) => s.fields);
  let last = metadata.lastPartitionId;
  const numbered = builder.build().fields.map((f): PartitionField => {
    const before = earlier.find((e) => sameField(e, f));
    return { ...f, fieldId: before?.fieldId ?? ++last };
  });
  return { specId: Math.max(-1, ...metadata.partitionSpecs.map((s) => s.specId)) + 1, fields: numbered };
}

/** The table's spec with the same fields (source, transform, in order), if there is one. */
function sameSpec(metadata: TableMetadata, spec: PartitionSpec): PartitionSpec | undefined {
  return metadata.partitionSpecs.find(
    (s) => s.fields.length === spec.fields.length && s.fields.every((f, i) => sameField(f, spec.fields[i])),
  );
}

function sameField(a: PartitionField, b: PartitionField | undefined): boolean {
  return (
    b !== undefined &&
    a.sourceId === b.sourceId &&
    transformToString(a.transform) === transformToString(b.transform)
  );
}
