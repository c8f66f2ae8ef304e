import type { Catalog, TableIdentifier } from '../catalog/catalog';
import { SchemaUpdate } from '../spec/schema-evolution';
import { currentSchema } from '../spec/table-metadata';

/** Test helper: commits a schema change to the table (add-schema, set-current-schema). */
export async function evolveSchema(
  catalog: Catalog,
  id: TableIdentifier,
  change: (update: SchemaUpdate) => SchemaUpdate,
): Promise<void> {
  const { metadata } = await catalog.loadTable(id);
  const { schema, lastColumnId } = change(
    new SchemaUpdate(currentSchema(metadata), { lastColumnId: metadata.lastColumnId }),
  ).apply();
  await catalog.updateTable(
    id,
    [{ type: 'assert-current-schema-id', currentSchemaId: metadata.currentSchemaId }],
    [
      { action: 'add-schema', schema, lastColumnId },
      { action: 'set-current-schema', schemaId: -1 },
    ],
  );
}
